import { and, eq, isNull, lte, or } from 'drizzle-orm'

import type { ApiKeyPrincipal } from '../auth/principal'
import type { Database } from '../db/client'
import { hashSecret } from '../lib/hash'
import { logError } from '../lib/log'
import {
  HOW_TO_SEND_API_KEY,
  describeMalformedKey,
  formatTime,
  isWellFormedApiKey,
  visiblePrefixOf,
} from './keys.format'
import { apiKeys } from './keys.schema'

/** A key's `last_used_at` is written at most once per this many milliseconds. */
export const LAST_USED_RESOLUTION_MS = 60_000

/** Reason a key was rejected. A `malformed` key is rejected before any database lookup. */
export type ApiKeyRejectionReason = 'malformed' | 'unknown' | 'revoked' | 'expired'

/** Outcome of checking a key. A rejection carries a message the client can act on. */
export type ApiKeyCheck =
  | { ok: true; principal: ApiKeyPrincipal }
  | {
      ok: false
      reason: ApiKeyRejectionReason
      message: string
      /** Owner of a revoked or expired key, so its rejected calls can go to that org's log. */
      orgId: string | null
      keyPrefix: string | null
    }

/**
 * Checks a whole Account API key and returns its principal or why it was rejected. A key rolled
 * with a grace period works until its `expires_at`. When a key is accepted and its `last_used_at`
 * is older than a minute, the update is handed to `executionCtx.waitUntil`, so it neither delays
 * the request nor fails it.
 */
export async function authenticateApiKey(
  db: Database,
  key: string,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
): Promise<ApiKeyCheck> {
  // Clients often paste keys with a trailing newline or space. No key contains whitespace.
  key = key.trim()
  if (!isWellFormedApiKey(key)) {
    return {
      ok: false,
      reason: 'malformed',
      message: describeMalformedKey(key),
      orgId: null,
      keyPrefix: null,
    }
  }
  const now = Date.now()
  const prefix = visiblePrefixOf(key)
  const row = await db
    .select({
      id: apiKeys.id,
      orgId: apiKeys.orgId,
      lastUsedAt: apiKeys.lastUsedAt,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, hashSecret(key)))
    .get()

  if (!row) {
    const message =
      `Unknown Account API key ${prefix}…: no org has this key. Check that you copied the ` +
      `whole key, or create a new key in Source overview. ${HOW_TO_SEND_API_KEY}`
    return { ok: false, reason: 'unknown', message, orgId: null, keyPrefix: prefix }
  }
  if (row.revokedAt !== null) {
    const message =
      `This Account API key (${prefix}…) was revoked on ${formatTime(row.revokedAt)}; ` +
      'create a new key in Source overview.'
    return { ok: false, reason: 'revoked', message, orgId: row.orgId, keyPrefix: prefix }
  }
  if (row.expiresAt !== null && row.expiresAt <= now) {
    const message =
      `This Account API key (${prefix}…) was rolled and stopped working on ` +
      `${formatTime(row.expiresAt)}; use the key that replaced it, or create a new key in ` +
      'Source overview.'
    return { ok: false, reason: 'expired', message, orgId: row.orgId, keyPrefix: prefix }
  }

  if (row.lastUsedAt === null || row.lastUsedAt <= now - LAST_USED_RESOLUTION_MS) {
    executionCtx.waitUntil(recordKeyUse(db, row.id, now))
  }
  return {
    ok: true,
    principal: { kind: 'api_key', orgId: row.orgId, keyId: row.id, keyPrefix: prefix },
  }
}

/**
 * Writes `last_used_at` unless a concurrent request wrote it within the last minute. Logs a failed
 * write instead of rejecting, because the promise goes to `waitUntil`.
 */
async function recordKeyUse(db: Database, keyId: string, now: number): Promise<void> {
  try {
    await db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(
        and(
          eq(apiKeys.id, keyId),
          or(isNull(apiKeys.lastUsedAt), lte(apiKeys.lastUsedAt, now - LAST_USED_RESOLUTION_MS)),
        ),
      )
  } catch (error) {
    logError('api_key.last_used_update_failed', error, { keyId })
  }
}
