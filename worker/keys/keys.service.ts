import { and, desc, eq, isNull, sql } from 'drizzle-orm'

import type { Database } from '../db/client'
import { hashSecret } from '../lib/hash'
import { createId } from '../lib/ids'
import { logEvent } from '../lib/log'
import { users } from '../orgs/orgs.schema'
import { formatTime, generateApiKey, visiblePrefixOf } from './keys.format'
import { apiKeys } from './keys.schema'

export {
  authenticateApiKey,
  type ApiKeyCheck,
  type ApiKeyRejectionReason,
} from './keys.authenticate'

/** Maximum grace period of a rolled key, in seconds (7 days). */
export const MAX_GRACE_SECONDS = 604_800

/**
 * Lifecycle state of a key. `expiring` means it was rolled and still works until `expiresAt`, and
 * `expired` means that time has passed.
 */
export type ApiKeyStatus = 'active' | 'expiring' | 'expired' | 'revoked'

/** A key as the console lists it. The whole key is never stored, so it is never part of this. */
export interface ApiKeyView {
  id: string
  label: string
  prefix: string
  lastFour: string
  createdByName: string | null
  createdAt: number
  lastUsedAt: number | null
  expiresAt: number | null
  revokedAt: number | null
  status: ApiKeyStatus
}

/** A newly issued key: `key` is the whole secret, returned this once and never again. */
export interface IssuedApiKey {
  key: string
  apiKey: ApiKeyView
}

/** Failure of a key management call. The router maps `code` onto the tRPC error code. */
export class ApiKeyError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'CONFLICT',
    message: string,
  ) {
    super(message)
    this.name = 'ApiKeyError'
  }
}

const viewFields = {
  id: apiKeys.id,
  label: apiKeys.label,
  prefix: apiKeys.prefix,
  lastFour: apiKeys.lastFour,
  createdByName: users.name,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
}

type ViewRow = Omit<ApiKeyView, 'status'>

function statusOf(row: Pick<ViewRow, 'expiresAt' | 'revokedAt'>, now: number): ApiKeyStatus {
  if (row.revokedAt !== null) return 'revoked'
  if (row.expiresAt === null) return 'active'
  return row.expiresAt > now ? 'expiring' : 'expired'
}

function toView(row: ViewRow, now: number): ApiKeyView {
  return { ...row, status: statusOf(row, now) }
}

/** Selects the org's keys with their creator's name. Passing `id` narrows it to that key. */
function selectViews(db: Database, orgId: string, id?: string) {
  return db
    .select(viewFields)
    .from(apiKeys)
    .leftJoin(users, and(eq(users.id, apiKeys.createdBy), eq(users.orgId, orgId)))
    .where(
      id === undefined
        ? eq(apiKeys.orgId, orgId)
        : and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, id)),
    )
    .orderBy(desc(apiKeys.createdAt), apiKeys.id)
}

function notFound(id: string): ApiKeyError {
  return new ApiKeyError(
    'NOT_FOUND',
    `No API key with id "${id}" exists in your org. Reload the key list and pick a key from it.`,
  )
}

/** Lists every key of the org, newest first, including rolled, expired and revoked ones. */
export async function listKeys(db: Database, orgId: string): Promise<ApiKeyView[]> {
  const now = Date.now()
  const rows = await selectViews(db, orgId)
  return rows.map((row) => toView(row, now))
}

/** Creates a key for the org. Only its hash is stored, so the result is the one copy of the key. */
export async function createKey(
  db: Database,
  input: { orgId: string; userId: string; label: string },
): Promise<IssuedApiKey> {
  const key = generateApiKey()
  const id = createId('key')
  const [, rows] = await db.batch([
    db.insert(apiKeys).values({
      id,
      orgId: input.orgId,
      label: input.label,
      prefix: visiblePrefixOf(key),
      lastFour: key.slice(-4),
      keyHash: hashSecret(key),
      createdBy: input.userId,
      createdAt: Date.now(),
    }),
    selectViews(db, input.orgId, id),
  ])

  logEvent('api_key.created', { orgId: input.orgId, keyId: id, userId: input.userId })
  return { key, apiKey: toView(rows[0]!, Date.now()) }
}

/**
 * Replaces a key with a new one under the same label. The old key keeps working for
 * `graceSeconds` (0 stops it at once) so clients can switch without downtime.
 */
export async function rollKey(
  db: Database,
  input: { orgId: string; userId: string; id: string; graceSeconds: number },
): Promise<IssuedApiKey> {
  const now = Date.now()
  const old = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, input.orgId), eq(apiKeys.id, input.id)))
    .get()
  if (!old) throw notFound(input.id)
  assertRollable(old, now)

  const key = generateApiKey()
  const newId = createId('key')
  const expireOld = db
    .update(apiKeys)
    .set({ replacedBy: newId, expiresAt: now + input.graceSeconds * 1000 })
    .where(
      and(
        eq(apiKeys.orgId, input.orgId),
        eq(apiKeys.id, input.id),
        isNull(apiKeys.revokedAt),
        isNull(apiKeys.replacedBy),
      ),
    )
  // The insert copies the label from the old row and only matches once the update above has
  // marked that row as replaced by `newId`, so a roll that lost a race inserts nothing.
  const insertNew = db.insert(apiKeys).select(
    db
      .select({
        id: sql<string>`${newId}`.as('id'),
        orgId: apiKeys.orgId,
        label: apiKeys.label,
        prefix: sql<string>`${visiblePrefixOf(key)}`.as('prefix'),
        lastFour: sql<string>`${key.slice(-4)}`.as('last_four'),
        keyHash: sql<string>`${hashSecret(key)}`.as('key_hash'),
        createdBy: sql<string>`${input.userId}`.as('created_by'),
        createdAt: sql<number>`${now}`.as('created_at'),
        lastUsedAt: sql<null>`NULL`.as('last_used_at'),
        expiresAt: sql<null>`NULL`.as('expires_at'),
        revokedAt: sql<null>`NULL`.as('revoked_at'),
        replacedBy: sql<null>`NULL`.as('replaced_by'),
      })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, input.id), eq(apiKeys.replacedBy, newId))),
  )
  const [updated, , rows] = await db.batch([
    expireOld,
    insertNew,
    selectViews(db, input.orgId, newId),
  ])

  if (updated.meta.changes === 0 || rows.length === 0) {
    throw new ApiKeyError(
      'CONFLICT',
      `API key "${input.id}" was rolled or revoked by another request just now. ` +
        'Reload the key list.',
    )
  }
  logEvent('api_key.rolled', {
    orgId: input.orgId,
    keyId: input.id,
    newKeyId: newId,
    graceSeconds: input.graceSeconds,
    userId: input.userId,
  })
  return { key, apiKey: toView(rows[0]!, now) }
}

function assertRollable(old: typeof apiKeys.$inferSelect, now: number): void {
  if (old.revokedAt !== null) {
    throw new ApiKeyError(
      'CONFLICT',
      `API key ${old.prefix}… was revoked on ${formatTime(old.revokedAt)}, ` +
        'so it cannot be rolled. ' +
        'Create a new key instead.',
    )
  }
  if (old.replacedBy !== null) {
    const stillWorks = old.expiresAt !== null && old.expiresAt > now
    const until = stillWorks ? 'works until' : 'stopped working on'
    throw new ApiKeyError(
      'CONFLICT',
      `API key ${old.prefix}… was already rolled and ${until} ` +
        `${formatTime(old.expiresAt ?? now)}. ` +
        'Roll the key that replaced it instead.',
    )
  }
}

/** Revokes a key at once. Revoking a revoked key changes nothing and returns it as it is. */
export async function revokeKey(
  db: Database,
  input: { orgId: string; userId: string; id: string },
): Promise<ApiKeyView> {
  const now = Date.now()
  const [updated, rows] = await db.batch([
    db
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(
        and(eq(apiKeys.orgId, input.orgId), eq(apiKeys.id, input.id), isNull(apiKeys.revokedAt)),
      ),
    selectViews(db, input.orgId, input.id),
  ])
  if (rows.length === 0) throw notFound(input.id)

  if (updated.meta.changes > 0) {
    logEvent('api_key.revoked', { orgId: input.orgId, keyId: input.id, userId: input.userId })
  }
  return toView(rows[0]!, now)
}
