import { eq, inArray, sql } from 'drizzle-orm'

import type { Database } from '../db/client'
import { signInThrottles } from './auth.schema'

/** Sign-in failures are counted over windows of this length. */
export const THROTTLE_WINDOW_MS = 15 * 60_000

/** A throttle key that reaches its failure limit is locked for this long. */
export const THROTTLE_LOCK_MS = 15 * 60_000

/** Failures per email address within one window before the address is locked. */
export const MAX_FAILURES_PER_EMAIL = 5

/**
 * Failures per client IP within one window before the IP is locked. Higher than the per-email
 * limit because a whole office often signs in from one address.
 */
// NOTE: 20 is a judgement call, not taken from any standard; tune it from real sign-in traffic.
export const MAX_FAILURES_PER_IP = 20

/** One counter to check and bump: `email:<address>` or `ip:<address>`, with its failure limit. */
export interface ThrottleKey {
  key: string
  maxFailures: number
  /** Whether a successful sign-in deletes the counter, rather than only taking back its attempt. */
  clearOnSuccess: boolean
}

/**
 * Returns the throttle keys for a sign-in attempt: the lower-cased email, and the client IP from
 * `cf-connecting-ip` when Cloudflare set it.
 */
export function throttleKeysFor(email: string, request: Request): ThrottleKey[] {
  const keys = [
    { key: `email:${email}`, maxFailures: MAX_FAILURES_PER_EMAIL, clearOnSuccess: true },
  ]
  // NOTE: Cloudflare's edge overwrites cf-connecting-ip, but under local `wrangler dev` any client
  // can set it, so the IP limit only applies in production.
  const ip = request.headers.get('cf-connecting-ip')
  if (ip) keys.push({ key: `ip:${ip}`, maxFailures: MAX_FAILURES_PER_IP, clearOnSuccess: false })
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
 * Counts one sign-in attempt against each key in one atomic batch, before the password is checked,
 * so parallel guesses cannot all pass the lock check together. A key whose window has passed starts
 * a new window at 1, and a key reaching its limit is locked until `now + THROTTLE_LOCK_MS`. Returns
 * false when any key is now over its limit, in which case the password must not be checked.
 */
export async function recordAttempt(
  db: Database,
  keys: ThrottleKey[],
  now = Date.now(),
): Promise<boolean> {
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
      .returning({ failures: signInThrottles.failures })
  })
  const [first, ...rest] = statements
  if (!first) return true

  const results = await db.batch([first, ...rest])
  return results.every(([row], index) => (row?.failures ?? 0) <= (keys[index]?.maxFailures ?? 0))
}

/**
 * Takes back the attempt `recordAttempt` counted once the password proved right. The email's
 * counter is deleted, since its owner has signed in. Counters of shared keys such as an IP only
 * drop by one, and their lock is lifted if that takes them below the limit.
 */
export async function recordSuccess(db: Database, keys: ThrottleKey[]): Promise<void> {
  for (const { key, maxFailures, clearOnSuccess } of keys) {
    if (clearOnSuccess) {
      await db.delete(signInThrottles).where(eq(signInThrottles.key, key))
      continue
    }
    await db
      .update(signInThrottles)
      .set({
        failures: sql`max(${signInThrottles.failures} - 1, 0)`,
        lockedUntil: sql`CASE WHEN ${signInThrottles.failures} - 1 >= ${maxFailures}
          THEN ${signInThrottles.lockedUntil} ELSE NULL END`,
      })
      .where(eq(signInThrottles.key, key))
  }
}

/** Deletes counters whose window and lock have both passed; run by the cron sweep. */
export async function deleteStaleThrottles(db: Database, now = Date.now()): Promise<void> {
  const stale = sql`${signInThrottles.windowStartedAt} <= ${now - THROTTLE_WINDOW_MS}
    AND coalesce(${signInThrottles.lockedUntil}, 0) <= ${now}`
  await db.delete(signInThrottles).where(stale)
}
