import { sql } from 'drizzle-orm'

import type { Database } from '../db/client'
import type { Entity } from './accounts.fields'

/**
 * Bulk SQL for the Account API. Every statement binds a handful of parameters and passes its rows
 * as one JSON text read back with `json_each`, so a chunk of any size stays within D1's limit of
 * 100 bound parameters. Statements run through `createDb`, so its parameter guard applies.
 */

/** One row ready to write. `null` name, join date or active flag means "keep the stored value". */
export interface StoredRow {
  accountId: string
  userId: string | null
  name: string | null
  joinDate: number | null
  isActive: boolean | null
  /** Merge patch for the `data` column (JSON Merge Patch, RFC 7396): a null member deletes that member. */
  data: Record<string, unknown>
  /** Custom dimension keys the row sets, to register in `custom_dimensions`. */
  dimensions: { kind: string; key: string }[]
}

/** Placeholders for "keep the stored value". They cannot be valid input: names are non-empty and
 * timestamps and flags are never negative. SQLite checks NOT NULL before ON CONFLICT, so a NULL
 * cannot stand in for them. */
const KEEP_TEXT = ''
const KEEP_NUMBER = -1

const tables: Record<Entity, string> = {
  accounts: 'accounts',
  account_users: 'account_users',
  account_contacts: 'account_contacts',
}

function upsertSql(entity: Entity): string {
  if (entity === 'accounts') {
    return `INSERT INTO accounts (org_id, account_id, name, join_date, is_active, data, created_at, updated_at)
SELECT ?1, r.value->>'a', r.value->>'n', r.value->>'j', r.value->>'s', json(r.value->'d'), ?2, ?2
FROM json_each(?3) AS r WHERE true
ON CONFLICT (org_id, account_id) DO UPDATE SET
  name = CASE WHEN excluded.name = '' THEN accounts.name ELSE excluded.name END,
  join_date = CASE WHEN excluded.join_date < 0 THEN accounts.join_date ELSE excluded.join_date END,
  is_active = CASE WHEN excluded.is_active < 0 THEN accounts.is_active ELSE excluded.is_active END,
  data = json_patch(accounts.data, excluded.data),
  updated_at = excluded.updated_at`
  }
  const table = tables[entity]
  return `INSERT INTO ${table} (org_id, account_id, user_id, is_active, data, created_at, updated_at)
SELECT ?1, r.value->>'a', r.value->>'u', r.value->>'s', json(r.value->'d'), ?2, ?2
FROM json_each(?3) AS r WHERE true
ON CONFLICT (org_id, user_id, account_id) DO UPDATE SET
  is_active = CASE WHEN excluded.is_active < 0 THEN ${table}.is_active ELSE excluded.is_active END,
  data = json_patch(${table}.data, excluded.data),
  updated_at = excluded.updated_at`
}

const registerDimensionsSql = `INSERT INTO custom_dimensions (org_id, entity, kind, key, created_at)
SELECT ?1, ?2, r.value->>'kind', r.value->>'key', ?3 FROM json_each(?4) AS r WHERE true
ON CONFLICT DO NOTHING`

/**
 * Returns the guarded D1 binding behind `db`. Writes use it directly because drizzle 0.45's
 * `db.batch` cannot batch raw `db.run(sql)` queries that bind parameters.
 */
function d1Of(db: Database): D1Database {
  return (db as Database & { $client: D1Database }).$client
}

/** Writes one chunk of rows and registers their dimension keys, atomically in one D1 batch. */
export async function writeChunk(
  db: Database,
  orgId: string,
  entity: Entity,
  rows: StoredRow[],
  now: number,
): Promise<void> {
  const encoded = rows.map((row) => ({
    a: row.accountId,
    u: row.userId,
    n: row.name ?? KEEP_TEXT,
    j: row.joinDate ?? KEEP_NUMBER,
    s: row.isActive === null ? KEEP_NUMBER : Number(row.isActive),
    d: row.data,
  }))
  const client = d1Of(db)
  const statements = [client.prepare(upsertSql(entity)).bind(orgId, now, JSON.stringify(encoded))]

  const dimensions = uniqueDimensions(rows)
  if (dimensions.length > 0) {
    const register = client.prepare(registerDimensionsSql)
    statements.push(register.bind(orgId, entity, now, JSON.stringify(dimensions)))
  }
  await client.batch(statements)
}

function uniqueDimensions(rows: StoredRow[]) {
  const seen = new Map<string, { kind: string; key: string }>()
  for (const row of rows) {
    for (const dimension of row.dimensions)
      seen.set(`${dimension.kind}\u0000${dimension.key}`, dimension)
  }
  return [...seen.values()]
}

/** Ids per lookup statement. Each lookup binds two parameters, whatever the count. */
const LOOKUP_CHUNK = 1000

/** Returns the subset of `accountIds` that exist in the org, active or not. */
export async function existingAccountIds(
  db: Database,
  orgId: string,
  accountIds: Iterable<string>,
): Promise<Set<string>> {
  const found = new Set<string>()
  for (const chunk of chunks([...new Set(accountIds)], LOOKUP_CHUNK)) {
    const rows = await db.all<{ account_id: string }>(sql`SELECT account_id FROM accounts
WHERE org_id = ${orgId} AND account_id IN (SELECT value FROM json_each(${JSON.stringify(chunk)}))`)
    for (const row of rows) found.add(row.account_id)
  }
  return found
}

/** Returns the `user_id\0account_id` keys of the given pairs that exist in the org. */
export async function existingMemberKeys(
  db: Database,
  orgId: string,
  entity: Exclude<Entity, 'accounts'>,
  pairs: [userId: string, accountId: string][],
): Promise<Set<string>> {
  const found = new Set<string>()
  for (const chunk of chunks(pairs, LOOKUP_CHUNK)) {
    const rows = await db.all<{ user_id: string; account_id: string }>(
      sql`SELECT user_id, account_id FROM ${sql.raw(tables[entity])}
WHERE org_id = ${orgId}
  AND (user_id, account_id) IN (SELECT r.value->>0, r.value->>1 FROM json_each(${JSON.stringify(chunk)}) AS r)`,
    )
    for (const row of rows) found.add(memberKey(row.user_id, row.account_id))
  }
  return found
}

/** Builds the lookup key of a user or contact within an org. */
export function memberKey(userId: string, accountId: string): string {
  return `${userId}\u0000${accountId}`
}

/** Splits `items` into slices of at most `size`. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = []
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size))
  }
  return result
}
