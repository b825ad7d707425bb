import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { createOrg, db } from '../../test/fixtures'
import { revokeAuthKey } from './event-sources.service'
import { eventFields } from './events.fields'
import { validateEvent } from './events.validate'
import { createSource, statusEntries, usageEvent } from './test-helpers'

/** Cases found by trying the Event API as a Natero or Segment client would use it. */

async function gzip(text: string): Promise<ArrayBuffer> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Response(stream).arrayBuffer()
}

async function readJson(response: Response) {
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('Event API as clients use it', () => {
  it('names an unsupported Segment call', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const response = await exports.default.fetch(
      new Request('http://x/v1/segment/page', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${btoa(`${source.authKey}:${source.sendKey}:`)}`,
        },
        body: JSON.stringify({ userId: 'user_1', anonymousId: 'anon_1', name: 'Home' }),
      }),
    )
    const { status, body } = await readJson(response)

    // Without a route of its own, `page` would match /v1/{authKey}/{sendKey} with auth key
    // "segment" and get a 401 about the auth key, which would mislead the sender.
    expect(status).not.toBe(401)
    expect(String(body.message)).toContain('page')
    expect(String(body.message)).toContain('track')
  })

  it('gzip body decoded or rejected by name', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const response = await exports.default.fetch(
      new Request(`http://x/v1/${source.authKey}/${source.sendKey}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: await gzip(JSON.stringify(usageEvent())),
      }),
    )
    const { status, body } = await readJson(response)

    // A response of HTTP 200 with status_is_ok true and each "line" of compressed bytes rejected
    // as invalid UTF-8 passes a client that checks only the status, and the batch is lost.
    const decoded = status === 200 && body.accepted === 1
    const namedRejection = status === 415 && /content-encoding/i.test(String(body.message))
    expect(decoded || namedRejection).toBe(true)
  })

  it.each([
    ['an unsupported encoding', 'br', async () => new TextEncoder().encode('x'), 415, 'br'],
    [
      'bytes that are not gzip',
      'gzip',
      async () => new TextEncoder().encode('{"a":1}'),
      400,
      'gzip',
    ],
    [
      'gzip that expands past 1 MB',
      'gzip',
      () => gzip(`${JSON.stringify(usageEvent())}\n`.repeat(8000)),
      413,
      'after gzip decompression',
    ],
  ])('rejects %s by name', async (_case, encoding, body, status, named) => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const response = await exports.default.fetch(
      new Request(`http://x/v1/${source.authKey}/${source.sendKey}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: await body(),
      }),
    )
    const result = await readJson(response)

    expect(result.status).toBe(status)
    expect(String(result.body.message)).toContain(named)
    const [entry] = await statusEntries(org.id, 1)
    expect(entry?.httpStatus).toBe(status)
  })

  it('revoked key entry keeps its prefix', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    await revokeAuthKey(db(), org.id, source.keyId)
    const response = await exports.default.fetch(
      new Request(`http://x/v1/${source.authKey}/${source.sendKey}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(usageEvent()),
      }),
    )
    expect(response.status).toBe(401)

    // The 401 message names the key's prefix, so the entry can carry it too. Without it the Key
    // column of API status is empty and an admin cannot tell which sender uses the revoked key.
    const [entry] = await statusEntries(org.id, 1)
    expect(entry?.keyPrefix).toBe(source.authKey.slice(0, 8))
  })

  it('template example created_at accepted', () => {
    const examples = Object.fromEntries(eventFields().map((field) => [field.name, field.example]))
    const event = {
      account_id: examples.account_id,
      user_id: examples.user_id,
      created_at: examples.created_at,
      session_id: examples.session_id,
      action: 'feature',
      feature: examples.feature,
    }

    // The example is a fixed date, so it falls outside the 30-day window a month after it was
    // written, and the Fields table of API upload then shows a value that is always rejected.
    expect(validateEvent(event, Date.now())).not.toHaveProperty('error')
  })

  it('wrong send key logged for auth key org', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const response = await exports.default.fetch(
      new Request(`http://x/v1/${source.authKey}/send_mistyped`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(usageEvent()),
      }),
    )
    expect(response.status).toBe(401)

    // The auth key is the secret and names the org, but the entry is looked up by the send key
    // only, so an admin whose sender has a stale send key finds nothing in API status.
    const [entry] = await statusEntries(org.id, 1)
    expect(entry?.httpStatus).toBe(401)
  })
})
