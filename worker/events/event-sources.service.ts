import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'
import { and, desc, eq, isNull } from 'drizzle-orm'

import type { Database } from '../db/client'
import { hashSecret } from '../lib/hash'
import { createId, randomBytes } from '../lib/ids'
import { forgetCachedKeys } from './event-keys.auth'
import { eventSourceKeys, eventSources } from './events.schema'

/** Maximum grace period of a rolled auth key: 7 days, in seconds. */
export const MAX_ROLL_GRACE_SECONDS = 7 * 24 * 3600

/** Status of an auth key as the console shows it. */
export type AuthKeyStatus = 'active' | 'expiring' | 'expired' | 'revoked'

/** An auth key as listed: never the key itself, only the fields that distinguish keys. */
export interface AuthKeyView {
  id: string
  prefix: string
  lastFour: string
  createdAt: number
  lastUsedAt: number | null
  expiresAt: number | null
  revokedAt: number | null
  status: AuthKeyStatus
}

/** An event source with its send key and its auth keys, newest key first. */
export interface EventSourceView {
  id: string
  name: string
  sendKey: string
  createdAt: number
  keys: AuthKeyView[]
}

/** Thrown when a source or key id does not exist in the caller's org. */
export class EventSourceNotFoundError extends Error {
  constructor(what: string, id: string) {
    super(`No ${what} with id ${id} exists in this org; reload the list and pick one shown there.`)
    this.name = 'EventSourceNotFoundError'
  }
}

/** Thrown when a key cannot be rolled or issued in its current state. The message gives the reason. */
export class EventSourceKeyConflictError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'EventSourceKeyConflictError'
  }
}

function newAuthKey(): string {
  return `sye_${encodeBase32LowerCaseNoPadding(randomBytes(20))}`
}

function newSendKey(): string {
  return `send_${encodeBase32LowerCaseNoPadding(randomBytes(15))}`
}

function statusOf(key: typeof eventSourceKeys.$inferSelect, now: number): AuthKeyStatus {
  if (key.revokedAt !== null) return 'revoked'
  if (key.expiresAt !== null) return key.expiresAt > now ? 'expiring' : 'expired'
  return 'active'
}

function viewOfKey(key: typeof eventSourceKeys.$inferSelect, now: number): AuthKeyView {
  return {
    id: key.id,
    prefix: key.prefix,
    lastFour: key.lastFour,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt,
    status: statusOf(key, now),
  }
}

function keyRow(orgId: string, sourceId: string, authKey: string, now: number) {
  return {
    id: createId('esk'),
    orgId,
    sourceId,
    keyHash: hashSecret(authKey),
    prefix: authKey.slice(0, 8),
    lastFour: authKey.slice(-4),
    createdAt: now,
  }
}

/** Lists the org's event sources with their auth keys. */
export async function listEventSources(db: Database, orgId: string): Promise<EventSourceView[]> {
  const now = Date.now()
  const sources = await db
    .select()
    .from(eventSources)
    .where(eq(eventSources.orgId, orgId))
    .orderBy(desc(eventSources.createdAt))
  const keys = await db
    .select()
    .from(eventSourceKeys)
    .where(eq(eventSourceKeys.orgId, orgId))
    .orderBy(desc(eventSourceKeys.createdAt))

  return sources.map((source) => ({
    id: source.id,
    name: source.name,
    sendKey: source.sendKey,
    createdAt: source.createdAt,
    keys: keys.filter((key) => key.sourceId === source.id).map((key) => viewOfKey(key, now)),
  }))
}

/** Creates an event source with a send key and a first auth key, returned whole this once. */
export async function createEventSource(
  db: Database,
  orgId: string,
  name: string,
  createdBy: string | null,
): Promise<{ authKey: string; source: EventSourceView }> {
  const now = Date.now()
  const authKey = newAuthKey()
  const source = {
    id: createId('src'),
    orgId,
    name,
    sendKey: newSendKey(),
    createdBy,
    createdAt: now,
  }
  const key = keyRow(orgId, source.id, authKey, now)
  await db.batch([db.insert(eventSources).values(source), db.insert(eventSourceKeys).values(key)])

  const view = { id: source.id, name, sendKey: source.sendKey, createdAt: now }
  return { authKey, source: { ...view, keys: [viewOfKey({ ...key, ...emptyKeyDates }, now)] } }
}

const emptyKeyDates = { lastUsedAt: null, expiresAt: null, revokedAt: null, replacedBy: null }

async function findKey(db: Database, orgId: string, keyId: string) {
  const [key] = await db
    .select()
    .from(eventSourceKeys)
    .where(and(eq(eventSourceKeys.orgId, orgId), eq(eventSourceKeys.id, keyId)))
  if (!key) throw new EventSourceNotFoundError('auth key', keyId)
  return key
}

/** Returns the source's active key, which is neither rolled nor revoked, if it has one. */
async function activeKeyOf(db: Database, orgId: string, sourceId: string) {
  const [key] = await db
    .select()
    .from(eventSourceKeys)
    .where(
      and(
        eq(eventSourceKeys.orgId, orgId),
        eq(eventSourceKeys.sourceId, sourceId),
        isNull(eventSourceKeys.revokedAt),
        isNull(eventSourceKeys.expiresAt),
      ),
    )
    .limit(1)
  return key
}

async function checkRollable(
  db: Database,
  orgId: string,
  old: typeof eventSourceKeys.$inferSelect,
) {
  const name = `Auth key ${old.prefix}…`
  if (old.revokedAt !== null) {
    throw new EventSourceKeyConflictError(
      `${name} is revoked and cannot be rolled: roll the source's active key, or issue a new auth key if it has none.`,
    )
  }
  if (old.expiresAt === null) return
  if (old.expiresAt <= Date.now()) {
    throw new EventSourceKeyConflictError(
      `${name} has expired and cannot be rolled: roll the source's active key, or issue a new auth key if it has none.`,
    )
  }
  const active = await activeKeyOf(db, orgId, old.sourceId)
  if (active) {
    throw new EventSourceKeyConflictError(
      `${name} was already rolled: roll the current key ${active.prefix}… instead.`,
    )
  }
}

/**
 * Replaces an auth key with a new one, returned whole this once. The old key keeps working for
 * `graceSeconds` (0 ends it now), so senders can switch without losing events. A key still in its
 * grace period can be rolled again when its replacement was revoked. Its grace is never lengthened.
 */
export async function rollAuthKey(
  db: Database,
  orgId: string,
  keyId: string,
  graceSeconds: number,
): Promise<{ authKey: string; key: AuthKeyView }> {
  const old = await findKey(db, orgId, keyId)
  await checkRollable(db, orgId, old)
  const now = Date.now()
  const authKey = newAuthKey()
  const key = keyRow(orgId, old.sourceId, authKey, now)
  const expiresAt = Math.min(old.expiresAt ?? Infinity, now + graceSeconds * 1000)
  await db.batch([
    db.insert(eventSourceKeys).values(key),
    db
      .update(eventSourceKeys)
      .set({ expiresAt, replacedBy: key.id })
      .where(and(eq(eventSourceKeys.orgId, orgId), eq(eventSourceKeys.id, keyId))),
  ])
  forgetCachedKeys(old.keyHash)
  return { authKey, key: viewOfKey({ ...key, ...emptyKeyDates }, now) }
}

/**
 * Issues a new auth key, returned whole this once, for a source without an active key. A source
 * with an active key must roll it instead.
 * NOTE: two admins issuing at the same instant can both succeed, leaving two active keys.
 */
export async function issueAuthKey(
  db: Database,
  orgId: string,
  sourceId: string,
): Promise<{ authKey: string; key: AuthKeyView }> {
  const [source] = await db
    .select({ id: eventSources.id })
    .from(eventSources)
    .where(and(eq(eventSources.orgId, orgId), eq(eventSources.id, sourceId)))
  if (!source) throw new EventSourceNotFoundError('event source', sourceId)
  const active = await activeKeyOf(db, orgId, sourceId)
  if (active) {
    throw new EventSourceKeyConflictError(
      `The source already has active auth key ${active.prefix}…: roll it instead of issuing another.`,
    )
  }
  const now = Date.now()
  const authKey = newAuthKey()
  const key = keyRow(orgId, sourceId, authKey, now)
  await db.insert(eventSourceKeys).values(key)
  return { authKey, key: viewOfKey({ ...key, ...emptyKeyDates }, now) }
}

/** Revokes an auth key at once. Uploads with it fail from the next request on. */
export async function revokeAuthKey(db: Database, orgId: string, keyId: string): Promise<void> {
  const key = await findKey(db, orgId, keyId)
  await db
    .update(eventSourceKeys)
    .set({ revokedAt: Date.now() })
    .where(
      and(
        eq(eventSourceKeys.orgId, orgId),
        eq(eventSourceKeys.id, keyId),
        isNull(eventSourceKeys.revokedAt),
      ),
    )
  forgetCachedKeys(key.keyHash)
}
