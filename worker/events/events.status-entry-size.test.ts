import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { createOrg } from '../../test/fixtures'
import { statusLogFor } from '../status-log/status-log.client'
import { MAX_BODY_BYTES, MAX_LINE_BYTES } from './events.ndjson'
import { createSource, ingestNdjson, usageEvent } from './test-helpers'

describe('status entry of a request whose every line is rejected', () => {
  it('logs one entry when rejected ids are long', async () => {
    // Each 1e20 in an account_id array takes 5 bytes in the line but 21 characters in the
    // rejected line's id and again in its message, because both quote the value unclipped.
    const elements = Math.floor((MAX_LINE_BYTES - 200) / 5)
    const line = JSON.stringify(usageEvent({ account_id: [] })).replace(
      '"account_id":[]',
      `"account_id":[${Array(elements).fill('1e20').join(',')}]`,
    )
    const count = Math.floor(MAX_BODY_BYTES / (line.length + 1))
    const body = Array(count).fill(line).join('\n')
    const org = await createOrg()

    const result = await ingestNdjson(await createSource(org.id), body)

    expect(new TextEncoder().encode(body).length).toBeLessThanOrEqual(MAX_BODY_BYTES)
    expect(result.httpStatus).toBe(200)
    expect(result.body.accepted).toBe(0)
    expect(result.body.rejected).toHaveLength(count)
    // The entry is written through waitUntil, which ingestNdjson has awaited.
    expect(await statusLogFor(env, org.id).count()).toBe(1)
  })
})
