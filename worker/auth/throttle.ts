import { eq, inArray, sql } from 'drizzle-orm'

import type { Database } from '../db/client'
import { signInThrottles } from './auth.schema'

/** Failed sign-ins are counted over windows of this length. */
export const THROTTLE_WINDOW_MS = 15 * 60_000

/** A throttle key that reaches its failure limit is locked for this long. */
export const THROTTLE_LOCK_MS = 15 * 60_000

/** Failures per email address within one window before the address is locked. */
export const MAX_FAILURES_PER_EMAIL = 5

/**
 * Failures per client IP within one window before the IP is locked. Higher than the per-email
 * limit because a whole office often signs in from one address.
 */
export const MAX_FAILURES_PER_IP = 20

/** One counter to check and bump: `email:<address>` or `ip:<address>`, with its failure limit. */
export interface ThrottleKey {
  key: string
  maxFailures: number
}

/**
 * Returns the throttle keys for a sign-in attempt: the lower-cased email, and the client IP from
 * `cf-connecting-ip` when Cloudflare set it.
 */
export function throttleKeysFor(email: string, request: Request): ThrottleKey[] {
  const keys = [{ key: `email:${email}`, maxFailures: MAX_FAILURES_PER_EMAIL }]
  const ip = request.headers.get('cf-connecting-ip')
  if (ip) keys.push({ key: `ip:${ip}`, maxFailures: MAX_FAILURES_PER_IP })
  return keys
}

/** Returns the latest time any of `keys` stays locked until, or null when none is locked now. */
export async function lockedUntil(
  db: Database,
  keys: ThrottleKey[],
  now = Date.now(),
): Promise<number | null> {
  const rows = await db
    .select({ lockedUntil: signInThrottles.lockedUntil })
    .from(signInThrottles)
    .where(
      inArray(
        signInThrottles.key,
        keys.map((k) => k.key),
      ),
    )
  const until = Math.max(0, ...rows.map((row) => row.lockedUntil ?? 0))
  return until > now ? until : null
}

/**
 * Counts one failed sign-in against each key in one atomic batch. A key whose window has passed
 * starts a new window at 1; a key reaching its limit is locked until `now + THROTTLE_LOCK_MS`.
 */
export async function recordFailure(
  db: Database,
  keys: ThrottleKey[],
  now = Date.now(),
): Promise<void> {
  const windowStart = now - THROTTLE_WINDOW_MS
  const lockEnd = now + THROTTLE_LOCK_MS
  const statements = keys.map(({ key, maxFailures }) => {
    const failures = sql`CASE WHEN ${signInThrottles.windowStartedAt} <= ${windowStart} THEN 1
      ELSE ${signInThrottles.failures} + 1 END`
    return db
      .insert(signInThrottles)
      .values({
        key,
        failures: 1,
        windowStartedAt: now,
        lockedUntil: maxFailures <= 1 ? lockEnd : null,
      })
      .onConflictDoUpdate({
        target: signInThrottles.key,
        set: {
          failures,
          windowStartedAt: sql`CASE WHEN ${signInThrottles.windowStartedAt} <= ${windowStart}
            THEN ${now} ELSE ${signInThrottles.windowStartedAt} END`,
          lockedUntil: sql`CASE WHEN ${failures} >= ${maxFailures} THEN ${lockEnd}
            ELSE ${signInThrottles.lockedUntil} END`,
        },
      })
  })
  const [first, ...rest] = statements
  if (first) await db.batch([first, ...rest])
}

/** Clears the counter of `key` after a successful sign-in. */
export async function clearFailures(db: Database, key: string): Promise<void> {
  await db.delete(signInThrottles).where(eq(signInThrottles.key, key))
}

/** Deletes counters whose window and lock have both passed; run by the cron sweep. */
export async function deleteStaleThrottles(db: Database, now = Date.now()): Promise<void> {
  const stale = sql`${signInThrottles.windowStartedAt} <= ${now - THROTTLE_WINDOW_MS}
    AND coalesce(${signInThrottles.lockedUntil}, 0) <= ${now}`
  await db.delete(signInThrottles).where(stale)
}
