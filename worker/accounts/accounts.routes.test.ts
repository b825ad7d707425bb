import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'

import { BoundParameterLimitError, createDb } from '../db/client'
import {
  account,
  api,
  countRows,
  orgWithKey,
  sessionClient,
  waitForLogEntry,
} from './accounts.testing'

describe('POST /accounts', () => {
  it('writes exactly the valid records of a partial batch', async () => {
    const { key, orgId } = await orgWithKey()
    const records = [account('a0'), { account_id: 'a1', name: 'No date' }, account('a2')]

    const { status, body } = await api('POST', '/accounts', { key, body: { records } })

    expect(status).toBe(200)
    expect(body.status_is_ok).toBe(true)
    expect(body.failed_results).toEqual([
      {
        record: 1,
        account_id: 'a1',
        message:
          "Missing/invalid required field(s) for Accounts insert: 'join_date'. A new record needs account_id, name, join_date.",
      },
    ])
    expect(body.message).toBe('Wrote 2 of 3 records; 1 failed, listed in failed_results.')
    expect(await countRows('accounts', orgId)).toBe(2)
    expect((await api('GET', '/accounts/a1', { key })).status).toBe(404)
  })

  it('reports the exact failed indices of a 1000-record batch', async () => {
    const { key, orgId } = await orgWithKey()
    const invalid = new Set([0, 17, 499, 500, 998])
    const records = Array.from({ length: 1000 }, (_, index) =>
      invalid.has(index)
        ? account(`acc-${index}`, { join_date: 'yesterday' })
        : account(`acc-${index}`, { custom_value_dimensions: [{ key: 'seats', value: index }] }),
    )

    const { body } = await api('POST', '/accounts', { key, body: { records } })

    expect(body.failed_results.map((failure: { record: number }) => failure.record)).toEqual([
      ...invalid,
    ])
    expect(body.failed_results[1]).toMatchObject({ record: 17, account_id: 'acc-17' })
    expect(await countRows('accounts', orgId)).toBe(995)
  })

  it('changes nothing but updated_at when the same batch is sent again', async () => {
    const { key, orgId } = await orgWithKey()
    const records = [
      account('a1', { tier: 'Gold', custom_label_dimensions: [{ key: 'plan', value: 'pro' }] }),
    ]
    await api('POST', '/accounts', { key, body: { records } })
    const first = await env.DB.prepare('SELECT * FROM accounts WHERE org_id = ?')
      .bind(orgId)
      .first()

    const again = await api('POST', '/accounts', { key, body: { records } })
    const second = await env.DB.prepare('SELECT * FROM accounts WHERE org_id = ?')
      .bind(orgId)
      .first()

    expect(again.body.failed_results).toEqual([])
    expect({ ...second, updated_at: 0 }).toEqual({ ...first, updated_at: 0 })
  })

  it('merges custom dimensions per key and deletes a null value', async () => {
    const { key } = await orgWithKey()
    const dims = (pairs: [string, unknown][]) => pairs.map(([k, value]) => ({ key: k, value }))
    await api('POST', '/accounts', {
      key,
      body: {
        records: [
          account('a1', {
            custom_label_dimensions: dims([
              ['plan', 'pro'],
              ['region', 'EU'],
            ]),
          }),
        ],
      },
    })
    await api('POST', '/accounts', {
      key,
      body: {
        records: [
          {
            account_id: 'a1',
            custom_label_dimensions: dims([
              ['plan', 'team'],
              ['region', null],
            ]),
          },
        ],
      },
    })

    const { body } = await api('GET', '/accounts/a1', { key })
    expect(body.results[0].custom_label_dimensions).toEqual([{ key: 'plan', value: 'team' }])
  })

  it('merges a later duplicate over an earlier one without error', async () => {
    const { key } = await orgWithKey()
    const records = [
      account('dup', { tier: 'Gold', industry: 'Retail' }),
      { account_id: 'dup', tier: 'Silver' },
    ]

    const { body } = await api('POST', '/accounts', { key, body: { records } })
    const stored = (await api('GET', '/accounts/dup', { key })).body.results[0]

    expect(body.failed_results).toEqual([])
    expect(stored.tier).toBe('Silver')
    expect(stored.industry).toBe('Retail')
  })

  it('registers custom dimension names', async () => {
    const { key, orgId } = await orgWithKey()
    await api('POST', '/accounts', {
      key,
      body: {
        records: [
          account('a1', { custom_event_dimensions: [{ key: 'renewed_at', value: 1700000000000 }] }),
        ],
      },
    })
    const row = await env.DB.prepare(
      'SELECT entity, kind, key FROM custom_dimensions WHERE org_id = ?',
    )
      .bind(orgId)
      .first()
    expect(row).toEqual({ entity: 'accounts', kind: 'event', key: 'renewed_at' })
  })

  it('rejects a record over 1,000,000 bytes as JSON', async () => {
    const { key, orgId } = await orgWithKey()
    const comments = 'x'.repeat(4000)
    const history = Array.from({ length: 300 }, (_, index) => ({
      nps_score: 9,
      date: index,
      comments,
    }))
    const records = [account('big', { nps_history: history }), account('small')]

    const { body } = await api('POST', '/accounts', { key, body: { records } })

    expect(body.failed_results).toHaveLength(1)
    expect(body.failed_results[0].record).toBe(0)
    expect(body.failed_results[0].message).toMatch(
      /^Record is \d+ bytes as JSON; the maximum is 1000000\. Shorten its text or lists\.$/,
    )
    expect(await countRows('accounts', orgId)).toBe(1)
  })

  it('records a Partial status-log entry with the failed records', async () => {
    const { key, orgId, prefix } = await orgWithKey()
    await api('POST', '/accounts', {
      key,
      body: { records: [account('a0'), { account_id: 'a1' }] },
    })

    const entry = await waitForLogEntry(orgId)

    expect(entry).toMatchObject({
      outcome: 'Partial',
      api: 'accounts',
      source: 'rest',
      method: 'POST',
      path: '/api/v2/accounts',
      keyPrefix: prefix,
      httpStatus: 200,
      recordsSent: 2,
      recordsFailed: 1,
    })
    expect(entry?.failedRecords).toEqual([
      { index: 1, id: 'a1', message: expect.stringMatching(/^Missing\/invalid required field/) },
    ])
  })

  it('shows the Partial entry to a viewer through statusLog.list', async () => {
    const { key, orgId } = await orgWithKey()
    await api('POST', '/accounts', {
      key,
      body: { records: [{ account_id: 'a1' }, account('a2')] },
    })
    await waitForLogEntry(orgId)

    const viewer = await sessionClient(orgId, 'viewer')
    const { entries } = await viewer.statusLog.list.query({ api: 'accounts' })
    const entry = await viewer.statusLog.get.query({ id: entries[0]!.id })

    expect(entries).toHaveLength(1)
    expect(entry).toMatchObject({ outcome: 'Partial', recordsSent: 2, recordsFailed: 1 })
    expect(entry.failedRecords.map((failure) => failure.index)).toEqual([0])
  })
})

describe('batch-level errors', () => {
  const cases: [
    string,
    { rawBody?: string; body?: unknown; contentType?: string | null },
    number,
    RegExp,
  ][] = [
    [
      'malformed JSON',
      { rawBody: '{"records": [{"account_id": "a1",}]}' },
      400,
      /^Request body is not valid JSON: .*position 33/,
    ],
    [
      'a body that is an array',
      { body: [account('a1')] },
      400,
      /^Request body must be a JSON object, got an array\. Send \{"records"/,
    ],
    ['records missing', { body: { record: [account('a1')] } }, 400, /has no "records" field/],
    [
      'records not an array',
      { body: { records: account('a1') } },
      400,
      /^"records" must be an array/,
    ],
    ['records empty', { body: { records: [] } }, 400, /^"records" is empty/],
    [
      'wrong Content-Type',
      { rawBody: JSON.stringify({ records: [account('a1')] }), contentType: 'text/plain' },
      415,
      /^Content-Type must be application\/json, got 'text\/plain'/,
    ],
    [
      'no Content-Type',
      { rawBody: JSON.stringify({ records: [account('a1')] }), contentType: null },
      415,
      /got no Content-Type/,
    ],
  ]

  for (const [name, request, status, message] of cases) {
    it(`rejects ${name} and writes nothing`, async () => {
      const { key, orgId } = await orgWithKey()
      const response = await api('POST', '/accounts', { key, ...request })

      expect(response.status).toBe(status)
      expect(response.body.status_is_ok).toBe(false)
      expect(response.body.message).toMatch(message)
      expect(await countRows('accounts', orgId)).toBe(0)
    })
  }

  it('rejects more than 5000 records with 413', async () => {
    const { key, orgId } = await orgWithKey()
    const records = Array.from({ length: 5001 }, (_, index) => account(`a${index}`))
    const response = await api('POST', '/accounts', { key, body: { records } })

    expect(response.status).toBe(413)
    expect(response.body.message).toBe(
      '"records" contains 5001 records; the limit is 5000 per request. Split them into several requests.',
    )
    expect(await countRows('accounts', orgId)).toBe(0)
  })

  it('rejects a body over 10 MB with 413', async () => {
    const { key, orgId } = await orgWithKey()
    const padding = 'x'.repeat(3000)
    const records = Array.from({ length: 3600 }, (_, index) =>
      account(`a${index}`, { description: padding }),
    )
    const response = await api('POST', '/accounts', { key, body: { records } })

    expect(response.status).toBe(413)
    expect(response.body.message).toMatch(
      /larger than the limit of 10485760 bytes \(10 MB\)\. Split/,
    )
    expect(await countRows('accounts', orgId)).toBe(0)
  })

  it('records a Failure status-log entry', async () => {
    const { key, orgId } = await orgWithKey()
    await api('POST', '/accounts', { key, rawBody: '{', contentType: 'application/json' })

    const entry = await waitForLogEntry(orgId)
    expect(entry).toMatchObject({ outcome: 'Failure', httpStatus: 400, recordsSent: 0 })
    expect(entry?.message).toMatch(/^Request body is not valid JSON/)
  })

  it('rejects a missing or unknown API key with 401', async () => {
    expect((await api('GET', '/accounts')).status).toBe(401)
    const unknown = await api('GET', '/accounts', { key: 'sya_notakey' })
    expect(unknown.status).toBe(401)
    expect(unknown.body.status_is_ok).toBe(false)
  })
})

describe('GET /accounts', () => {
  async function seeded() {
    const org = await orgWithKey()
    const records = Array.from({ length: 1003 }, (_, index) =>
      account(`acc-${String(index).padStart(4, '0')}`, { join_date: 1_600_000_000_000 - index }),
    )
    await api('POST', '/accounts', { key: org.key, body: { records } })
    return org
  }

  it('pages 1000 records at a time from page 0', async () => {
    const { key } = await seeded()
    const first = await api('GET', '/accounts?page=0', { key })
    const second = await api('GET', '/accounts?page=1', { key })

    expect(first.body).toMatchObject({
      status_is_ok: true,
      current_page: 0,
      max_page_size: 1000,
      page: '0',
    })
    expect(first.body.results).toHaveLength(1000)
    expect(first.body.results[0].account_id).toBe('acc-0000')
    expect(second.body.results.map((r: { account_id: string }) => r.account_id)).toEqual([
      'acc-1000',
      'acc-1001',
      'acc-1002',
    ])
  })

  it('orders by a known column in either direction', async () => {
    const { key } = await seeded()
    const byDate = await api('GET', '/accounts?order_by=join_date&direction=asc', { key })
    const byIdDesc = await api('GET', '/accounts?order_by=id&direction=desc', { key })

    expect(byDate.body.results[0].account_id).toBe('acc-1002')
    expect(byDate.body).toMatchObject({ order_by: 'join_date', direction: 'asc' })
    expect(byIdDesc.body.results[0].account_id).toBe('acc-1002')
  })

  it('rejects an unknown order_by, direction or page', async () => {
    const { key } = await orgWithKey()
    const orderBy = await api('GET', '/accounts?order_by=tier', { key })
    expect(orderBy.status).toBe(400)
    expect(orderBy.body.message).toBe(
      "order_by must be one of id, account_id, name, join_date, updated_at, created_at, got 'tier'.",
    )
    expect((await api('GET', '/accounts?direction=up', { key })).body.message).toBe(
      "direction must be asc or desc, got 'up'.",
    )
    expect((await api('GET', '/accounts?page=-1', { key })).body.message).toBe(
      "page must be an integer from 0 to 999999999 (pages start at 0), got '-1'.",
    )
  })

  it('includes inactive accounts only when asked, with boolean coercion', async () => {
    const { key } = await orgWithKey()
    await api('POST', '/accounts', { key, body: { records: [account('live'), account('gone')] } })
    await api('DELETE', '/accounts/gone', { key })

    const ids = async (query: string) =>
      (await api('GET', `/accounts${query}`, { key })).body.results.map(
        (r: { account_id: string }) => r.account_id,
      )
    expect(await ids('')).toEqual(['live'])
    expect(await ids('?include_inactive=true')).toEqual(['gone', 'live'])
    expect(await ids('?include_inactive=2')).toEqual(['gone', 'live'])
    expect(await ids('?include_inactive=0')).toEqual(['live'])
    expect(await ids('?include_inactive=false')).toEqual(['live'])
    expect(await ids('?include_inactive=yes')).toEqual(['live'])
  })

  it('records each read in the status log', async () => {
    const { key, orgId } = await orgWithKey()
    await api('GET', '/accounts?page=0', { key })

    const entry = await waitForLogEntry(orgId)
    expect(entry).toMatchObject({
      method: 'GET',
      path: '/api/v2/accounts',
      api: 'accounts',
      outcome: 'Success',
      httpStatus: 200,
      recordsSent: 0,
    })
  })

  it('echoes query parameters but never the API key', async () => {
    const { key } = await orgWithKey()
    // The key travels in the query string here, as Natero clients send it.
    const { body } = await api('GET', `/accounts?api_key=${key}&include=assigned_csms`)
    expect(body.status_is_ok).toBe(true)
    expect(body.include).toBe('assigned_csms')
    expect(body.api_key).toBeUndefined()
  })
})

describe('PUT and DELETE /accounts/:account_id', () => {
  it('updates one account from {data}', async () => {
    const { key } = await orgWithKey()
    await api('POST', '/accounts', { key, body: { records: [account('a1')] } })

    const { status, body } = await api('PUT', '/accounts/a1', {
      key,
      body: { data: { tier: 'Gold' } },
    })

    expect(status).toBe(200)
    expect(body.results[0]).toMatchObject({ account_id: 'a1', tier: 'Gold', name: 'Account a1' })
  })

  it('rejects an account_id in data that differs from the path', async () => {
    const { key } = await orgWithKey()
    await api('POST', '/accounts', { key, body: { records: [account('a1')] } })

    const { status, body } = await api('PUT', '/accounts/a1', {
      key,
      body: { data: { account_id: 'a2' } },
    })

    expect(status).toBe(400)
    expect(body.message).toBe(
      'account_id in data ("a2") does not match the account_id in the path ("a1"): remove it from data or make them equal.',
    )
  })

  it('returns 400 with the record message for invalid data', async () => {
    const { key } = await orgWithKey()
    await api('POST', '/accounts', { key, body: { records: [account('a1')] } })

    const { status, body } = await api('PUT', '/accounts/a1', {
      key,
      body: { data: { join_date: 'x' } },
    })

    expect(status).toBe(400)
    expect(body.failed_results[0]).toMatchObject({ record: 0, account_id: 'a1' })
    expect(body.message).toMatch(/^Invalid type for property: join_date \(expecting timestamp/)
  })

  it('requires the {data} wrapper', async () => {
    const { key } = await orgWithKey()
    await api('POST', '/accounts', { key, body: { records: [account('a1')] } })
    const { status, body } = await api('PUT', '/accounts/a1', { key, body: { tier: 'Gold' } })
    expect(status).toBe(400)
    expect(body.message).toBe('Request body must be {"data": {...}} with the fields to change.')
  })

  it('returns 404 with the envelope for an unknown account', async () => {
    const { key } = await orgWithKey()
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const body = method === 'PUT' ? { data: { tier: 'x' } } : undefined
      const response = await api(method, '/accounts/missing', { key, body })
      expect(response.status, method).toBe(404)
      expect(response.body).toEqual({ status_is_ok: false, message: 'Account not found: missing.' })
    }
  })

  it('deactivates without deleting, and a PUT of is_active reactivates', async () => {
    const { key, orgId } = await orgWithKey()
    await api('POST', '/accounts', { key, body: { records: [account('a1')] } })

    const deleted = await api('DELETE', '/accounts/a1', { key })
    expect(deleted.body.results[0].is_active).toBe(false)
    expect(await countRows('accounts', orgId)).toBe(1)

    await api('POST', '/accounts', { key, body: { records: [account('a1', { tier: 'x' })] } })
    expect((await api('GET', '/accounts/a1', { key })).body.results[0].is_active).toBe(false)

    const put = await api('PUT', '/accounts/a1', { key, body: { data: { is_active: true } } })
    expect(put.body.results[0].is_active).toBe(true)
  })
})

describe('ids in paths', () => {
  it('reads ids that need URL encoding', async () => {
    const { key } = await orgWithKey()
    const ids = ['a b', 'a/b', 'ä-1', 'x%y']
    await api('POST', '/accounts', { key, body: { records: ids.map((id) => account(id)) } })

    for (const id of ids) {
      const { status, body } = await api('GET', `/accounts/${encodeURIComponent(id)}`, { key })
      expect(status, id).toBe(200)
      expect(body.results[0].account_id, id).toBe(id)
    }
  })
})

describe('DELETE /accounts/:account_id/dimension_*', () => {
  it('deletes one text or numeric dimension key', async () => {
    const { key } = await orgWithKey()
    const record = account('a1', {
      custom_label_dimensions: [
        { key: 'plan', value: 'pro' },
        { key: 'region', value: 'EU' },
      ],
      custom_value_dimensions: [{ key: 'seats', value: 5 }],
    })
    await api('POST', '/accounts', { key, body: { records: [record] } })

    const labels = await api('DELETE', '/accounts/a1/dimension_labels/plan', { key })
    const values = await api('DELETE', '/accounts/a1/dimension_values/seats', { key })
    const again = await api('DELETE', '/accounts/a1/dimension_values/seats', { key })

    expect(labels.status).toBe(200)
    expect(values.status).toBe(200)
    expect(again.status).toBe(200)
    const stored = (await api('GET', '/accounts/a1', { key })).body.results[0]
    expect(stored.custom_label_dimensions).toEqual([{ key: 'region', value: 'EU' }])
    expect(stored.custom_value_dimensions).toEqual([])
  })

  it('returns 404 for an unknown account', async () => {
    const { key } = await orgWithKey()
    const response = await api('DELETE', '/accounts/none/dimension_labels/plan', { key })
    expect(response.status).toBe(404)
    expect(response.body.message).toBe('Account not found: none.')
  })
})

describe('users and contacts', () => {
  for (const entity of ['account_users', 'account_contacts'] as const) {
    it(`${entity} need an existing account in the same org`, async () => {
      const { key, orgId } = await orgWithKey()
      await api('POST', '/accounts', { key, body: { records: [account('a1')] } })
      const records = [
        { user_id: 'u1', account_id: 'a1', email: 'u1@example.com' },
        { user_id: 'u2', account_id: 'nope' },
      ]

      const { body } = await api('POST', `/${entity}`, { key, body: { records } })

      expect(body.failed_results).toEqual([
        {
          record: 1,
          account_id: 'nope',
          user_id: 'u2',
          message:
            'Account not found: nope. Create the account first (POST /accounts), then send this record again.',
        },
      ])
      expect(await countRows(entity, orgId)).toBe(1)
    })

    it(`${entity} are read, updated and deactivated by user_id and account_id`, async () => {
      const { key } = await orgWithKey()
      await api('POST', '/accounts', { key, body: { records: [account('a1'), account('a2')] } })
      await api('POST', `/${entity}`, {
        key,
        body: {
          records: [
            { user_id: 'u1', account_id: 'a1' },
            { user_id: 'u1', account_id: 'a2' },
          ],
        },
      })

      expect((await api('GET', `/${entity}/u1`, { key })).body.results).toHaveLength(2)
      expect((await api('GET', `/${entity}/u1/a2`, { key })).body.results).toHaveLength(1)

      const ambiguous = await api('PUT', `/${entity}/u1`, { key, body: { data: { title: 'CTO' } } })
      expect(ambiguous.status).toBe(400)
      expect(ambiguous.body.message).toMatch(
        /exists under 2 accounts; add the account_id to the path/,
      )

      const put = await api('PUT', `/${entity}/u1/a2`, { key, body: { data: { title: 'CTO' } } })
      expect(put.body.results[0]).toMatchObject({ user_id: 'u1', account_id: 'a2', title: 'CTO' })

      await api('DELETE', `/${entity}/u1/a1`, { key })
      const listed = await api(
        'GET',
        `/accounts/a1/${entity === 'account_users' ? 'users' : 'contacts'}`,
        { key },
      )
      expect(listed.body.results).toEqual([])
      const all = await api('GET', `/${entity}?include_inactive=1`, { key })
      expect(all.body.results).toHaveLength(2)
    })
  }

  it('lists the users of an unknown account as 404', async () => {
    const { key } = await orgWithKey()
    expect((await api('GET', '/accounts/none/users', { key })).status).toBe(404)
  })
})

describe('D1 parameter limit', () => {
  it('never trips while writing large batches', async () => {
    const { key } = await orgWithKey()
    const errors = vi.spyOn(console, 'error')
    const records = Array.from({ length: 5000 }, (_, index) => account(`a${index}`))
    const { body } = await api('POST', '/accounts', { key, body: { records } })

    expect(body.failed_results).toEqual([])
    expect(errors).not.toHaveBeenCalled()
    errors.mockRestore()
  })

  it('throws BoundParameterLimitError for an over-wide statement', async () => {
    const values = Array.from({ length: 101 }, (_, index) => sql`${index}`)
    const statement = sql`SELECT ${sql.join(values, sql`, `)}`
    // drizzle wraps driver errors in DrizzleQueryError, with the guard's error as the cause.
    const error = await createDb(env.DB)
      .all(statement)
      .catch((caught: unknown) => caught)
    expect((error as Error).cause).toBeInstanceOf(BoundParameterLimitError)
  })
})

describe('GET /openapi.json', () => {
  it('is served without a key and uses the validation schema', async () => {
    const response = await api('GET', '/openapi.json')
    expect(response.status).toBe(200)
    expect(response.body.openapi).toBe('3.1.0')
    const accountSchema = response.body.components.schemas.Account
    expect(accountSchema.required).toEqual(['account_id', 'name', 'join_date'])
    expect(accountSchema.additionalProperties).toBe(false)
    expect(response.body.paths['/account_users/{user_id}/{account_id}'].put).toBeDefined()
  })
})
