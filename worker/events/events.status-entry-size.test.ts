import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { createOrg } from '../../test/fixtures'
import { statusLogFor } from '../status-log/status-log.client'
import { checkNdjsonBody, MAX_BODY_BYTES, MAX_LINE_BYTES } from './events.ndjson'
import { ingestEvents } from './events.service'
import { createSource, usageEvent } from './test-helpers'

async function ingestNdjson(orgId: string, body: string) {
  const source = await createSource(orgId)
  const waits: Promise<unknown>[] = []
  const bytes = new TextEncoder().encode(body).length
  const result = await ingestEvents(
    {
      env,
      executionCtx: { waitUntil: (promise) => waits.push(promise) },
      requestId: 'req_attack',
      method: 'POST',
      path: '/v1/{authKey}/{apiKey}',
      source: 'events',
      startedAt: Date.now(),
      authKey: source.authKey,
      sendKey: source.sendKey,
    },
    (now) => checkNdjsonBody(body, bytes, now),
  )
  await Promise.all(waits)
  return { result, bytes }
}

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

    const { result, bytes } = await ingestNdjson(org.id, body)

    expect(bytes).toBeLessThanOrEqual(MAX_BODY_BYTES)
    expect(result.httpStatus).toBe(200)
    expect(result.body.accepted).toBe(0)
    expect(result.body.rejected).toHaveLength(count)
    // The entry is written through waitUntil, which ingestNdjson has awaited.
    expect(await statusLogFor(env, org.id).count()).toBe(1)
  })
})
