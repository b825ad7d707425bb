import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { statusLogFor } from '../status-log/status-log.client'
import { createSignedInUser } from '../../test/fixtures'
import { account, keyClient, orgWithKey, sessionClient } from './accounts.testing'

describe('status log of tRPC account calls', () => {
  it('records console writes and key reads but not console reads', async () => {
    const { orgId, key } = await orgWithKey()
    const console = await sessionClient(orgId, 'admin')
    await console.accounts.list.query({})
    await console.accounts.upsert.mutate({ records: [account('a1')] })
    await console.accounts.get.query({ accountId: 'a1' })
    await keyClient(key).accounts.get.query({ accountId: 'a1' })

    // The key's call is the last one, so once it is logged every earlier entry is too.
    const log = statusLogFor(env, orgId)
    let entries = await log.list({ limit: 10 })
    for (let attempt = 0; attempt < 50 && !entries.some((entry) => entry.keyPrefix); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      entries = await log.list({ limit: 10 })
    }
    expect(
      entries.map((entry) => [entry.path, entry.keyPrefix === null ? 'session' : 'key']),
    ).toEqual([
      ['/api/trpc/accounts.get', 'key'],
      ['/api/trpc/accounts.upsert', 'session'],
    ])
  })
})

describe('tRPC request limits', () => {
  it('rejects a batch of more than 20 procedures with a clear 400', async () => {
    const { orgId } = await orgWithKey()
    const { headers } = await createSignedInUser(orgId, 'viewer')
    const paths = Array.from({ length: 21 }, () => 'accounts.list').join(',')
    const response = await exports.default.fetch(
      new Request(`http://x/api/trpc/${paths}?batch=1&input={}`, { headers }),
    )
    const body = (await response.json()) as { error: { message: string } }
    expect(response.status).toBe(400)
    expect(body.error.message).toBe(
      'A batch may call at most 20 procedures, got 21. Split the calls into several batches.',
    )
  })

  it('rejects a body over 10 MB with 413, with or without Content-Length', async () => {
    const { key } = await orgWithKey()
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
    const oversized = new Uint8Array(10 * 1024 * 1024 + 1).fill(0x20)
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 11; i++) controller.enqueue(new Uint8Array(1024 * 1024).fill(0x20))
        controller.close()
      },
    })

    for (const body of [oversized, chunked]) {
      const response = await exports.default.fetch(
        new Request('http://x/api/trpc/accounts.upsert', { method: 'POST', headers, body }),
      )
      const json = (await response.json()) as { error: { message: string } }
      expect(response.status).toBe(413)
      expect(json.error.message).toBe(
        'Request body is larger than the limit of 10485760 bytes (10 MB). Split the records into several requests.',
      )
    }
  })
})
