import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { createOrg } from '../../test/fixtures'
import { createSource, usageEvent } from './test-helpers'

/** A JSON line whose name holds byte 0xFF, which UTF-8 never uses. */
function invalidBody(): { bytes: Uint8Array; offset: number } {
  const text = new TextEncoder().encode(JSON.stringify(usageEvent({ feature: 'Xbad' })))
  const offset = text.indexOf('X'.charCodeAt(0))
  text[offset] = 0xff
  return { bytes: text, offset }
}

describe('Event API bodies that are not UTF-8', () => {
  it('rejects an NDJSON body naming the first invalid byte', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const { bytes, offset } = invalidBody()
    const response = await exports.default.fetch(
      new Request(`http://x/v1/${source.authKey}/${source.sendKey}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bytes,
      }),
    )
    const body = (await response.json()) as Record<string, unknown>
    expect(response.status).toBe(400)
    expect(body.message).toBe(
      `Request body is not valid UTF-8 (first invalid byte at offset ${offset}); send UTF-8 JSON lines.`,
    )
  })

  it('rejects a Segment body naming the first invalid byte', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const { bytes, offset } = invalidBody()
    const response = await exports.default.fetch(
      new Request('http://x/v1/segment/track', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${btoa(`${source.authKey}:${source.sendKey}`)}`,
        },
        body: bytes,
      }),
    )
    const body = (await response.json()) as Record<string, unknown>
    expect(response.status).toBe(400)
    expect(body.message).toBe(
      `Request body is not valid UTF-8 (first invalid byte at offset ${offset}); send UTF-8 JSON.`,
    )
  })
})
