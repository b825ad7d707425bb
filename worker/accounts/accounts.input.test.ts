import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { account, api, countRows, orgWithKey, waitForLogEntry } from './accounts.testing'

/** Posts raw bytes to the Account API with the given extra headers. */
async function postBytes(key: string, bytes: Uint8Array, headers: Record<string, string> = {}) {
  const response = await exports.default.fetch(
    new Request('http://x/api/v2/accounts', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: bytes,
    }),
  )
  const body = (await response.json()) as { message: string }
  return { status: response.status, body }
}

describe('Account API bodies that are not UTF-8', () => {
  it('rejects invalid bytes naming their offset and writes nothing', async () => {
    const { key, orgId } = await orgWithKey()
    const bytes = new TextEncoder().encode(
      JSON.stringify({ records: [account('a1', { name: 'Xé' })] }),
    )
    const offset = bytes.indexOf('X'.charCodeAt(0))
    bytes[offset] = 0xc3
    bytes[offset + 1] = 0x28

    const { status, body } = await postBytes(key, bytes)

    expect(status).toBe(400)
    expect(body.message).toBe(
      `Request body is not valid UTF-8 (first invalid byte at offset ${offset}); send UTF-8 JSON.`,
    )
    expect(await countRows('accounts', orgId)).toBe(0)
  })

  it('fails the record whose string holds an unpaired surrogate, naming the field', async () => {
    const { key, orgId } = await orgWithKey()
    const rawBody = `{"records": [${JSON.stringify(account('a0'))}, {"account_id": "a1", "name": "lone-\\ud800", "join_date": 1598907978483}]}`

    const { status, body } = await api('POST', '/accounts', { key, rawBody })

    expect(status).toBe(200)
    expect(body.failed_results).toHaveLength(1)
    expect(body.failed_results[0].record).toBe(1)
    expect(body.failed_results[0].message).toMatch(/^name contains an unpaired UTF-16 surrogate/)
    expect(await countRows('accounts', orgId)).toBe(1)
  })
})

describe('Account API request details', () => {
  it('rejects a compressed body with 415 without quoting its bytes', async () => {
    const { key, orgId } = await orgWithKey()
    const bytes = new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0x7b, 0x22])

    const { status, body } = await postBytes(key, bytes, { 'content-encoding': 'gzip' })

    expect(status).toBe(415)
    expect(body.message).toBe(
      "Content-Encoding 'gzip' is not supported. Send the JSON body uncompressed, without a Content-Encoding header.",
    )
    const entry = await waitForLogEntry(orgId)
    expect(entry?.message).toBe(body.message)
  })

  it('states the largest page when page is too large', async () => {
    const { key } = await orgWithKey()
    const { status, body } = await api('GET', '/accounts?page=2147483647', { key })
    expect(status).toBe(400)
    expect(body.message).toBe(
      "page must be an integer from 0 to 999999999 (pages start at 0), got '2147483647'.",
    )
  })

  it('answers an unsupported method on a known path with 405 and Allow', async () => {
    const { key } = await orgWithKey()
    const response = await exports.default.fetch(
      new Request('http://x/api/v2/accounts/x', {
        method: 'PATCH',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: '{"data": {}}',
      }),
    )
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, PUT, DELETE')
    expect(await response.json()).toEqual({
      status_is_ok: false,
      message:
        'Method PATCH is not allowed on /api/v2/accounts/x. Use GET, PUT or DELETE; to change fields, send PUT with {"data": {...}}.',
    })
  })

  it('fails a record that sends one custom dimension key twice', async () => {
    const { key, orgId } = await orgWithKey()
    const dimensions = [
      { key: 'plan', value: 'pro' },
      { key: 'plan', value: 'free' },
    ]
    const records = [account('a1', { custom_label_dimensions: dimensions })]

    const { body } = await api('POST', '/accounts', { key, body: { records } })

    expect(body.failed_results[0].message).toBe(
      "custom_label_dimensions has the key 'plan' more than once: send each key once per record.",
    )
    expect(await countRows('accounts', orgId)).toBe(0)
  })

  it('says a number beyond the float range is out of range', async () => {
    const { key } = await orgWithKey()
    const rawBody = `{"records": [{"account_id": "a1", "name": "A", "join_date": 1598907978483, "employees": 1e400}]}`
    const { body } = await api('POST', '/accounts', { key, rawBody })
    expect(body.failed_results[0].message).toMatch(/^employees is out of range/)
  })

  it('says "1 record" for a single write', async () => {
    const { key } = await orgWithKey()
    const { body } = await api('POST', '/accounts', { key, body: { records: [account('a1')] } })
    expect(body.message).toBe('Wrote 1 record.')
  })

  it('tells how to wrap records sent as a bare array', async () => {
    const { key } = await orgWithKey()
    const { body } = await api('POST', '/accounts', { key, body: [account('a1')] })
    expect(body.message).toBe(
      'Request body must be a JSON object, got an array. Send {"records": [...]} to write records, or {"data": {...}} to update one.',
    )
  })

  it('says an account was already inactive', async () => {
    const { key } = await orgWithKey()
    await api('POST', '/accounts', { key, body: { records: [account('a1')] } })
    await api('DELETE', '/accounts/a1', { key })
    const { status, body } = await api('DELETE', '/accounts/a1', { key })
    expect(status).toBe(200)
    expect(body.message).toBe('Account a1 was already inactive; nothing changed.')
  })

  it('logs the number of records sent when a batch is over the limit', async () => {
    const { key, orgId } = await orgWithKey()
    const records = Array.from({ length: 5001 }, (_, index) => account(`a${index}`))
    const { status } = await api('POST', '/accounts', { key, body: { records } })
    expect(status).toBe(413)
    const entry = await waitForLogEntry(orgId)
    expect(entry?.recordsSent).toBe(5001)
  })
})
