import { and, eq } from 'drizzle-orm'

import type { Database } from '../db/client'
import { logEvent } from '../lib/log'
import { orgs, users, type Role } from '../orgs/orgs.schema'
import { hashPassword, verifyPassword } from './password'
import { createSession, type NewSession } from './session'
import {
  lockedUntil,
  recordAttempt,
  recordSuccess,
  THROTTLE_LOCK_MS,
  throttleKeysFor,
} from './throttle'

/** The signed-in user and org as the console shows them (`auth.signIn` and `auth.me`). */
export interface SignedInView {
  user: { id: string; email: string; name: string; role: Role }
  org: { id: string; name: string }
}

/** Outcome of a sign-in attempt. Only the `ok` outcome carries a session. */
export type SignInResult =
  | ({ kind: 'ok'; session: NewSession } & SignedInView)
  | { kind: 'invalid' }
  | { kind: 'locked'; until: number }
  | { kind: 'disabled' }

// Verified against when the email is unknown, so an unknown email costs the same PBKDF2 time as a
// wrong password and response timing does not tell which emails have users.
let unknownUserHash: Promise<string> | undefined

/** Lower-cases and trims an email address the way it is stored. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

/**
 * Checks an email and password and, when they match an enabled user and neither the email nor the
 * client IP is locked, creates a session. Each attempt is counted per email and per IP before the
 * password check, and a success takes its count back.
 */
export async function signIn(
  db: Database,
  request: Request,
  credentials: { email: string; password: string },
  now = Date.now(),
): Promise<SignInResult> {
  const email = normalizeEmail(credentials.email)
  const keys = throttleKeysFor(email, request)

  const until = await lockedUntil(db, keys, now)
  if (until !== null) {
    logEvent('auth.sign_in_locked', { lockedUntil: until })
    return { kind: 'locked', until }
  }
  if (!(await recordAttempt(db, keys, now))) {
    // A parallel attempt used up the last try between the lock check and the count.
    const lockedNow = (await lockedUntil(db, keys, now)) ?? now + THROTTLE_LOCK_MS
    logEvent('auth.sign_in_locked', { lockedUntil: lockedNow })
    return { kind: 'locked', until: lockedNow }
  }

  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1)
  unknownUserHash ??= hashPassword('unknown user')
  const stored = user?.passwordHash ?? (await unknownUserHash)
  const matches = await verifyPassword(credentials.password, stored)
  if (!user || !matches) {
    logEvent('auth.sign_in_failed', { userId: user?.id ?? null })
    return { kind: 'invalid' }
  }

  await recordSuccess(db, keys)
  if (user.disabledAt !== null) {
    logEvent('auth.sign_in_disabled', { userId: user.id, orgId: user.orgId })
    return { kind: 'disabled' }
  }

  const view = await loadSignedInView(db, user.id, user.orgId)
  if (!view) return { kind: 'invalid' }
  const session = await createSession(db, user.id, user.orgId, now)
  logEvent('auth.signed_in', { userId: user.id, orgId: user.orgId })
  return { kind: 'ok', session, ...view }
}

/** Loads the user and org a session belongs to, or null when either is gone. */
export async function loadSignedInView(
  db: Database,
  userId: string,
  orgId: string,
): Promise<SignedInView | null> {
  const [row] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      orgName: orgs.name,
    })
    .from(users)
    .innerJoin(orgs, eq(orgs.id, users.orgId))
    .where(and(eq(users.id, userId), eq(users.orgId, orgId)))
    .limit(1)
  if (!row) return null
  return {
    user: { id: row.id, email: row.email, name: row.name, role: row.role },
    org: { id: orgId, name: row.orgName },
  }
}
