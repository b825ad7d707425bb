import { describe, expect, it } from 'vitest'

import { entityFields } from './accounts.fields'
import { nearestFields } from './accounts.validate'
import { account, api, countRows, orgWithKey } from './accounts.testing'

/** POSTs one record and returns the failure message, or null when it was written. */
async function messageFor(path: string, key: string, record: unknown): Promise<string | null> {
  const response = await api('POST', path, { key, body: { records: [record] } })
  expect(response.status).toBe(200)
  expect(response.body.status_is_ok).toBe(true)
  return response.body.failed_results[0]?.message ?? null
}

describe('account record validation', () => {
  it('requires account_id, name and join_date on insert', async () => {
    const { key } = await orgWithKey()

    expect(await messageFor('/accounts', key, { account_id: 'a1', name: 'A' })).toBe(
      "Missing/invalid required field(s) for Accounts insert: 'join_date'. A new record needs account_id, name, join_date.",
    )
    expect(await messageFor('/accounts', key, { account_id: 'a1' })).toMatch(
      /^Missing\/invalid required field\(s\) for Accounts insert: 'name', 'join_date'\./,
    )
    expect(await messageFor('/accounts', key, { name: 'A', join_date: 1 })).toMatch(
      /^Missing\/invalid required field\(s\) for Accounts insert: 'account_id'\./,
    )
  })

  it('needs only account_id to update an existing account', async () => {
    const { key } = await orgWithKey()
    expect(await messageFor('/accounts', key, account('a1'))).toBeNull()

    expect(await messageFor('/accounts', key, { account_id: 'a1', tier: 'Gold' })).toBeNull()
    const { body } = await api('GET', '/accounts/a1', { key })
    expect(body.results[0].tier).toBe('Gold')
    expect(body.results[0].name).toBe('Account a1')
  })

  it('rejects a string timestamp as expecting timestamp', async () => {
    const { key } = await orgWithKey()
    const message = await messageFor('/accounts', key, account('a1', { join_date: '2020-01-01' }))
    expect(message).toBe(
      'Invalid type for property: join_date (expecting timestamp, got "2020-01-01").',
    )
  })

  it('rejects fractional and negative timestamps', async () => {
    const { key } = await orgWithKey()
    expect(await messageFor('/accounts', key, account('a1', { renewal_date: 1.5 }))).toBe(
      'Invalid type for property: renewal_date (expecting timestamp, got 1.5).',
    )
    expect(await messageFor('/accounts', key, account('a1', { join_date: -5 }))).toBe(
      'Invalid type for property: join_date (expecting timestamp, got -5).',
    )
  })

  it('does not coerce a numeric account_id', async () => {
    const { key } = await orgWithKey()
    const message = await messageFor('/accounts', key, account('x', { account_id: 12345 }))
    expect(message).toBe(
      'account_id must be a string: send "12345" instead of 12345, because ids are matched as exact, case-sensitive strings.',
    )
  })

  it('does not coerce a numeric user_id', async () => {
    const { key } = await orgWithKey()
    await api('POST', '/accounts', { key, body: { records: [account('a1')] } })
    const message = await messageFor('/account_users', key, { user_id: 7, account_id: 'a1' })
    expect(message).toMatch(/^user_id must be a string: send "7" instead of 7/)
  })

  it('matches account ids case-sensitively', async () => {
    const { key, orgId } = await orgWithKey()
    await api('POST', '/accounts', { key, body: { records: [account('Acme'), account('acme')] } })

    expect(await countRows('accounts', orgId)).toBe(2)
    expect((await api('GET', '/accounts/ACME', { key })).status).toBe(404)
  })

  it('rejects wrong types for numbers, booleans and text', async () => {
    const { key } = await orgWithKey()
    expect(await messageFor('/accounts', key, account('a1', { employees: '12' }))).toBe(
      'Invalid type for property: employees (expecting number, got "12").',
    )
    expect(await messageFor('/accounts', key, account('a1', { is_churned: 'yes' }))).toBe(
      'Invalid type for property: is_churned (expecting boolean, got "yes").',
    )
    expect(await messageFor('/accounts', key, account('a1', { tier: 3 }))).toBe(
      'Invalid type for property: tier (expecting string, got 3).',
    )
    expect(await messageFor('/accounts', key, account('a1', { name: '' }))).toBe(
      'Invalid type for property: name (expecting non-empty string, got "").',
    )
  })

  it('names the nearest known fields for an unknown key', async () => {
    const { key } = await orgWithKey()
    const message = await messageFor('/accounts', key, account('a1', { nmae: 'x' }))
    expect(message).toBe(
      "Unknown field 'nmae' for Accounts; nearest known fields: 'name', 'stage', 'state'.",
    )
  })

  it('says a read-only field cannot be written', async () => {
    const { key } = await orgWithKey()
    const message = await messageFor('/accounts', key, account('a1', { current_health_score: 5 }))
    expect(message).toBe(
      "Field 'current_health_score' is read-only and cannot be written: remove it from the record.",
    )
  })

  it('checks each custom dimension list by its type', async () => {
    const { key } = await orgWithKey()
    const cases: [string, unknown, string][] = [
      [
        'custom_label_dimensions',
        [{ key: 'plan', value: 3 }],
        'custom_label_dimensions[0].value (expecting string, got 3)',
      ],
      [
        'custom_value_dimensions',
        [{ key: 'seats', value: '3' }],
        'custom_value_dimensions[0].value (expecting number, got "3")',
      ],
      [
        'custom_event_dimensions',
        [{ key: 'renewed', value: 'soon' }],
        'custom_event_dimensions[0].value (expecting timestamp, got "soon")',
      ],
      [
        'custom_label_dimensions',
        { plan: 'x' },
        'custom_label_dimensions (expecting array, got {"plan":"x"})',
      ],
      [
        'custom_label_dimensions',
        [{ value: 'x' }],
        'custom_label_dimensions[0].key (expecting string key, got nothing)',
      ],
    ]
    for (const [field, value, expected] of cases) {
      const message = await messageFor('/accounts', key, account('a1', { [field]: value }))
      expect(message).toBe(`Invalid type for property: ${expected}.`)
    }
    const extra = await messageFor(
      '/accounts',
      key,
      account('a1', {
        custom_label_dimensions: [{ key: 'plan', value: 'x', label: 'y' }],
      }),
    )
    expect(extra).toBe("Unknown field 'label' in custom_label_dimensions[0]: remove it.")
  })

  it('reports a record that is not an object', async () => {
    const { key } = await orgWithKey()
    expect(await messageFor('/accounts', key, 'acme')).toBe(
      'Record must be a JSON object, got string.',
    )
    expect(await messageFor('/accounts', key, null)).toBe('Record must be a JSON object, got null.')
    expect(await messageFor('/accounts', key, [1])).toBe(
      'Record must be a JSON object, got an array.',
    )
  })

  it('requires user_id and account_id for users and contacts', async () => {
    const { key } = await orgWithKey()
    expect(await messageFor('/account_users', key, { account_id: 'a1' })).toMatch(
      /^Missing\/invalid required field\(s\) for Account users insert: 'user_id'\./,
    )
    expect(await messageFor('/account_contacts', key, { user_id: 'u1' })).toMatch(
      /^Missing\/invalid required field\(s\) for Account contacts insert: 'account_id'\./,
    )
  })

  it('joins several problems of one record into one message', async () => {
    const { key } = await orgWithKey()
    const message = await messageFor('/accounts', key, { account_id: 'a1', employees: 'x', foo: 1 })
    expect(message).toContain('Invalid type for property: employees')
    expect(message).toContain("Unknown field 'foo'")
  })
})

describe('entityFields', () => {
  it('lists required fields and formats from the schema', () => {
    const fields = entityFields('accounts')
    const joinDate = fields.find((field) => field.name === 'join_date')
    expect(joinDate).toMatchObject({ required: true, type: 'integer', format: 'epoch-ms' })
    expect(fields.filter((field) => field.required).map((field) => field.name)).toEqual([
      'account_id',
      'name',
      'join_date',
    ])
    expect(fields.find((field) => field.name === 'employees')?.type).toBe('number')
    expect(fields.find((field) => field.name === 'custom_value_dimensions')?.type).toBe('array')
  })

  it('requires user_id and account_id for contacts', () => {
    const required = entityFields('account_contacts').filter((field) => field.required)
    expect(required.map((field) => field.name)).toEqual(['user_id', 'account_id'])
  })

  it('gives every field a description', () => {
    for (const entity of ['accounts', 'account_users', 'account_contacts'] as const) {
      for (const field of entityFields(entity)) expect(field.description, field.name).not.toBe('')
    }
  })
})

describe('nearestFields', () => {
  it('ranks by edit distance', () => {
    expect(nearestFields('join_dat', ['name', 'join_date', 'renewal_date'])[0]).toBe('join_date')
  })
})
