import { logError } from '../lib/log'
import { hashSecret } from '../lib/hash'

/**
 * How long one isolate reuses a key lookup without checking D1, in ms. Revoking or rolling a key
 * clears the entry in the isolate that handled the change at once. Expiry of a rolled key is
 * checked on every request against the cached `expiresAt`.
 */
export const KEY_CACHE_TTL_MS = 10_000

/**
 * Age up to which a lookup is still used while a fresh one is read in the background, in ms, so
 * no request waits on D1 for a known key. Other isolates may therefore accept a revoked key for
 * up to this long.
 */
export const KEY_CACHE_STALE_MS = 2 * KEY_CACHE_TTL_MS

/** Minimum time between two `last_used_at` writes for one key, in ms. */
const LAST_USED_WRITE_INTERVAL_MS = 60_000

/** The source an auth key and send key pair authenticates. */
export interface EventSourceIdentity {
  orgId: string
  sourceId: string
  keyId: string
  keyPrefix: string
}

interface KeyLookup {
  orgId: string
  sourceId: string
  keyId: string
  prefix: string
  sendKey: string
  expiresAt: number | null
  revokedAt: number | null
}

interface CacheEntry {
  lookup: KeyLookup | null
  fetchedAt: number
  refreshing?: boolean
}

const cache = new Map<string, CacheEntry>()
const lastUsedWrites = new Map<string, number>()

/** Rejection of a key pair, with a message worded for the sender. */
/**
 * A rejected key pair. `source` is set when the auth key is known, so the rejection can be logged
 * for its org with its prefix even when the send key is wrong.
 */
export type KeyRejection = {
  ok: false
  message: string
  source?: { orgId: string; keyPrefix: string; sendKey: string }
}

/** Drops cached lookups of the given key hashes in this isolate. */
export function forgetCachedKeys(...keyHashes: string[]): void {
  for (const keyHash of keyHashes) cache.delete(keyHash)
}

async function lookUpKey(db: D1Database, keyHash: string): Promise<KeyLookup | null> {
  return db
    .prepare(
      `SELECT k.org_id AS orgId, k.source_id AS sourceId, k.id AS keyId, k.prefix AS prefix,
              s.send_key AS sendKey, k.expires_at AS expiresAt, k.revoked_at AS revokedAt
         FROM event_source_keys k JOIN event_sources s ON s.id = k.source_id AND s.org_id = k.org_id
        WHERE k.key_hash = ?`,
    )
    .bind(keyHash)
    .first<KeyLookup>()
}

async function fetchIntoCache(db: D1Database, keyHash: string, now: number) {
  const lookup = await lookUpKey(db, keyHash)
  cache.set(keyHash, { lookup, fetchedAt: now })
  return lookup
}

async function cachedLookUp(
  db: D1Database,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  keyHash: string,
  now: number,
) {
  const entry = cache.get(keyHash)
  const age = entry ? now - entry.fetchedAt : Infinity
  if (entry && age < KEY_CACHE_TTL_MS) return entry.lookup
  if (entry && age < KEY_CACHE_STALE_MS) {
    if (!entry.refreshing) {
      entry.refreshing = true
      const refresh = fetchIntoCache(db, keyHash, now).catch((error: unknown) => {
        entry.refreshing = false
        logError('events.key_refresh_failed', error, { keyPrefix: entry.lookup?.prefix ?? null })
      })
      executionCtx.waitUntil(refresh)
    }
    return entry.lookup
  }
  return fetchIntoCache(db, keyHash, now)
}

function touchLastUsed(
  db: D1Database,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  keyId: string,
  now: number,
): void {
  const last = lastUsedWrites.get(keyId) ?? 0
  if (now - last < LAST_USED_WRITE_INTERVAL_MS) return
  lastUsedWrites.set(keyId, now)
  const write = db
    .prepare('UPDATE event_source_keys SET last_used_at = ? WHERE id = ?')
    .bind(now, keyId)
    .run()
    .catch((error: unknown) => logError('events.last_used_write_failed', error, { keyId }))
  executionCtx.waitUntil(write)
}

/**
 * Checks an auth key and send key pair. A busy isolate reads D1 about once per key every
 * KEY_CACHE_TTL_MS, and writes `last_used_at` after the response at most once a minute.
 */
export async function authenticateEventKeys(
  db: D1Database,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  authKey: string,
  sendKey: string,
): Promise<({ ok: true } & EventSourceIdentity) | KeyRejection> {
  const now = Date.now()
  const lookup = await cachedLookUp(db, executionCtx, hashSecret(authKey), now)
  if (!lookup) {
    return { ok: false, message: 'Unknown auth key: copy the event auth key from Source overview.' }
  }
  const source = { orgId: lookup.orgId, keyPrefix: lookup.prefix, sendKey: lookup.sendKey }
  if (lookup.sendKey !== sendKey) {
    return {
      ok: false,
      message: `The send key does not belong to the source of auth key ${lookup.prefix}…: send the pair shown together on Source overview.`,
      source,
    }
  }
  if (lookup.revokedAt !== null) {
    return {
      ok: false,
      message: `Auth key ${lookup.prefix}… was revoked: use a current key of the source from Source overview.`,
      source,
    }
  }
  if (lookup.expiresAt !== null && lookup.expiresAt <= now) {
    return {
      ok: false,
      message: `Auth key ${lookup.prefix}… was rolled and its grace period ended: use the new key.`,
      source,
    }
  }
  touchLastUsed(db, executionCtx, lookup.keyId, now)
  return {
    ok: true,
    orgId: lookup.orgId,
    sourceId: lookup.sourceId,
    keyId: lookup.keyId,
    keyPrefix: lookup.prefix,
  }
}
