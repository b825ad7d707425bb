// NOTE: stands in for worker/accounts/accounts.service.ts until the Account API branch lands;
// fields.ts re-exports from here, and switching it to the real service is a one-line change.
import { sql } from 'drizzle-orm'

import type { Database } from '../db/client'

/** The record types the Account API writes. */
export type Entity = 'accounts' | 'account_users' | 'account_contacts'

/** One field of an entity, as the CSV template and the upload page show it. */
export interface FieldSpec {
  name: string
  required: boolean
  type: string
  format: string | null
  example: unknown
  description: string
}

/** One record that was not written, with its 0-based index in the call. */
export interface FailedRecord {
  index: number
  id: string | null
  message: string
}

const common: FieldSpec[] = [
  {
    name: 'account_id',
    required: true,
    type: 'string',
    format: null,
    example: 'acme-42',
    description: 'Your id for the account; exact and case-sensitive.',
  },
]

const placeholderFields: Record<Entity, FieldSpec[]> = {
  accounts: [
    ...common,
    {
      name: 'name',
      required: true,
      type: 'string',
      format: null,
      example: 'Acme Inc',
      description: 'Account name.',
    },
    {
      name: 'join_date',
      required: true,
      type: 'integer',
      format: 'epoch-ms',
      example: 1598907978483,
      description: 'When the account became a customer.',
    },
    {
      name: 'website',
      required: false,
      type: 'string',
      format: null,
      example: 'https://acme.test',
      description: 'Web site.',
    },
    {
      name: 'billing_country',
      required: false,
      type: 'string',
      format: null,
      example: 'France',
      description: 'Billing country.',
    },
    {
      name: 'industry',
      required: false,
      type: 'string',
      format: null,
      example: 'Dairy',
      description: 'Industry.',
    },
    {
      name: 'employees',
      required: false,
      type: 'integer',
      format: null,
      example: 120,
      description: 'Head count.',
    },
    {
      name: 'description',
      required: false,
      type: 'string',
      format: null,
      example: 'Makes anvils',
      description: 'Free text.',
    },
  ],
  account_users: [
    ...common,
    {
      name: 'user_id',
      required: true,
      type: 'string',
      format: null,
      example: 'u-1',
      description: 'Your id for the user.',
    },
    {
      name: 'email',
      required: false,
      type: 'string',
      format: 'email',
      example: 'a@acme.test',
      description: 'Email.',
    },
  ],
  account_contacts: [
    ...common,
    {
      name: 'user_id',
      required: true,
      type: 'string',
      format: null,
      example: 'c-1',
      description: 'Your id for the contact.',
    },
    {
      name: 'email',
      required: false,
      type: 'string',
      format: 'email',
      example: 'a@acme.test',
      description: 'Email.',
    },
  ],
}

/** Returns the fields of `entity`. */
export function entityFields(entity: Entity): FieldSpec[] {
  return placeholderFields[entity]
}

/** Validates and writes account records; other entities are not supported by the placeholder. */
export async function upsertRecords(
  db: Database,
  orgId: string,
  entity: Entity,
  records: unknown[],
): Promise<{ written: number; failed: FailedRecord[] }> {
  const failed: FailedRecord[] = []
  const valid: Record<string, unknown>[] = []
  records.forEach((value, index) => {
    const record = value as Record<string, unknown>
    const id = typeof record.account_id === 'string' ? record.account_id : null
    const missing = placeholderFields[entity]
      .filter(
        (field) =>
          field.required && (record[field.name] === undefined || record[field.name] === ''),
      )
      .map((field) => field.name)
    if (entity !== 'accounts')
      failed.push({ index, id, message: `${entity} is not supported yet.` })
    else if (missing.length > 0)
      failed.push({ index, id, message: `Missing required field(s): ${missing.join(', ')}` })
    else if (typeof record.join_date !== 'number')
      failed.push({
        index,
        id,
        message: 'Invalid type for property: join_date (expecting timestamp)',
      })
    else valid.push(record)
  })
  const now = Date.now()
  for (let start = 0; start < valid.length; start += 200) {
    const slice = JSON.stringify(valid.slice(start, start + 200))
    await db.run(sql`INSERT INTO accounts (org_id, account_id, name, join_date, is_active, data, created_at, updated_at)
      SELECT ${orgId}, json_extract(value, '$.account_id'), json_extract(value, '$.name'),
        json_extract(value, '$.join_date'), 1, value, ${now}, ${now} FROM json_each(${slice}) WHERE true
      ON CONFLICT (org_id, account_id) DO UPDATE SET name = excluded.name, join_date = excluded.join_date,
        data = excluded.data, updated_at = excluded.updated_at`)
  }
  return { written: valid.length, failed }
}
