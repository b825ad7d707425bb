import { exports } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { createOrg, db } from '../../test/fixtures'
import { events } from './events.schema'
import { createSource, eventually, statusEntries, usageEvent } from './test-helpers'

const encoder = new TextEncoder()

/** Joins byte lines with CRLF, as some senders write NDJSON. */
function join(...lines: Uint8Array[]): Uint8Array {
  const parts = lines.flatMap((line, index) =>
    index === 0 ? [line] : [encoder.encode('\r\n'), line],
  )
  const body = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    body.set(part, at)
    at += part.length
  }
  return body
}

async function post(source: { authKey: string; sendKey: string }, body: Uint8Array) {
  const response = await exports.default.fetch(
    new Request(`http://x/v1/${source.authKey}/${source.sendKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    }),
  )
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** A JSON line whose name contains byte 0xFF, which UTF-8 never uses. */
function invalidBody(): { bytes: Uint8Array; offset: number } {
  const text = new TextEncoder().encode(JSON.stringify(usageEvent({ feature: 'Xbad' })))
  const offset = text.indexOf('X'.charCodeAt(0))
  text[offset] = 0xff
  return { bytes: text, offset }
}

describe('Event API bodies that are not UTF-8', () => {
  it('rejects only the NDJSON lines that are not UTF-8', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const { bytes, offset } = invalidBody()
    const good = (feature: string) => encoder.encode(JSON.stringify(usageEvent({ feature })))
    const body = join(good('Café ✓'), bytes, good('plain'))
    const response = await post(source, body)

    expect(response.status).toBe(200)
    expect(response.body).toEqual({
      status_is_ok: true,
      accepted: 2,
      rejected: [
        {
          line: 2,
          message: `Line is not valid UTF-8 (first invalid byte at offset ${offset} of the line): send UTF-8 JSON.`,
        },
      ],
    })
    const stored = await eventually(
      () => db().select().from(events).where(eq(events.orgId, org.id)),
      (rows) => rows.length === 2,
    )
    expect(stored.map((row) => row.feature).sort()).toEqual(['Café ✓', 'plain'])
  })

  it('rejects every line of an NDJSON body that is all invalid', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const { bytes } = invalidBody()
    const response = await post(source, join(bytes, bytes))

    expect(response.status).toBe(200)
    expect(response.body.accepted).toBe(0)
    expect((response.body.rejected as { line: number }[]).map((line) => line.line)).toEqual([1, 2])
    const [entry] = await statusEntries(org.id, 1)
    expect(entry).toMatchObject({ outcome: 'Failure', recordsFailed: 2 })
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
