import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'
import { and, eq, gt, isNull, lte } from 'drizzle-orm'
import { parse, serialize } from 'hono/utils/cookie'

import type { Database } from '../db/client'
import { hashSecret } from '../lib/hash'
import { randomBytes } from '../lib/ids'
import { users } from '../orgs/orgs.schema'
import { sessions } from './auth.schema'
import type { SessionPrincipal } from './principal'

/** Name of the HttpOnly cookie carrying the session token. */
export const SESSION_COOKIE = 'sy_session'

/** Name of the script-readable cookie carrying the CSRF token the console echoes in a header. */
export const CSRF_COOKIE = 'sy_csrf'

/** A session lives this long after it is created or last renewed. */
export const SESSION_LIFETIME_MS = 7 * 24 * 3600_000

/** A session used when less than this much lifetime remains is renewed to the full lifetime. */
export const SESSION_RENEW_BELOW_MS = SESSION_LIFETIME_MS / 2

/** A new session's tokens, as the browser receives them. Only `hashSecret(token)` is stored. */
export interface NewSession {
  token: string
  csrfToken: string
  expiresAt: number
}

function createToken(): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(20))
}

function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === 'https:'
}

/** Inserts a session for `userId` in `orgId` and returns its tokens. */
export async function createSession(
  db: Database,
  userId: string,
  orgId: string,
  now = Date.now(),
): Promise<NewSession> {
  const token = createToken()
  const csrfToken = createToken()
  const expiresAt = now + SESSION_LIFETIME_MS
  await db
    .insert(sessions)
    .values({ id: hashSecret(token), userId, orgId, csrfToken, createdAt: now, expiresAt })
  return { token, csrfToken, expiresAt }
}

/**
 * Appends `Set-Cookie` headers for the session and CSRF cookies, both expiring at `expiresAt`.
 * The cookies are marked `Secure` when `request` came over HTTPS.
 */
export function setSessionCookies(headers: Headers, request: Request, session: NewSession): void {
  const options = {
    path: '/',
    sameSite: 'Lax' as const,
    secure: isHttps(request),
    expires: new Date(session.expiresAt),
  }
  headers.append(
    'set-cookie',
    serialize(SESSION_COOKIE, session.token, { ...options, httpOnly: true }),
  )
  headers.append('set-cookie', serialize(CSRF_COOKIE, session.csrfToken, options))
}

/** Appends `Set-Cookie` headers that make the browser drop both session cookies. */
export function clearSessionCookies(headers: Headers, request: Request): void {
  const options = { path: '/', sameSite: 'Lax' as const, secure: isHttps(request), maxAge: 0 }
  headers.append('set-cookie', serialize(SESSION_COOKIE, '', { ...options, httpOnly: true }))
  headers.append('set-cookie', serialize(CSRF_COOKIE, '', options))
}

/** Returns the session token from the request's cookie, or null when there is none. */
export function readSessionToken(request: Request): string | null {
  const header = request.headers.get('cookie')
  if (!header) return null
  return parse(header, SESSION_COOKIE)[SESSION_COOKIE] || null
}

function readCsrfCookie(request: Request): string | null {
  const header = request.headers.get('cookie')
  if (!header) return null
  return parse(header, CSRF_COOKIE)[CSRF_COOKIE] || null
}

/**
 * Reads the session cookie from `request` and returns its principal, or null when the cookie is
 * missing, unknown or expired, or the user is disabled. When less than half the lifetime remains,
 * the session is extended to the full lifetime and, if `resHeaders` is given, fresh cookies are
 * appended to it so the browser's copies expire at the same time. Fresh cookies are also sent when
 * the request's CSRF cookie is missing or differs from the session's.
 */
export async function readSession(
  db: Database,
  request: Request,
  resHeaders?: Headers,
  now = Date.now(),
): Promise<SessionPrincipal | null> {
  const token = readSessionToken(request)
  if (!token) return null

  const sessionId = hashSecret(token)
  const [row] = await db
    .select({
      expiresAt: sessions.expiresAt,
      csrfToken: sessions.csrfToken,
      orgId: sessions.orgId,
      userId: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
    })
    .from(sessions)
    .innerJoin(users, and(eq(users.id, sessions.userId), eq(users.orgId, sessions.orgId)))
    .where(and(eq(sessions.id, sessionId), gt(sessions.expiresAt, now), isNull(users.disabledAt)))
    .limit(1)
  if (!row) return null

  if (row.expiresAt - now < SESSION_RENEW_BELOW_MS) {
    const expiresAt = now + SESSION_LIFETIME_MS
    await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, sessionId))
    if (resHeaders) {
      setSessionCookies(resHeaders, request, { token, csrfToken: row.csrfToken, expiresAt })
    }
  } else if (resHeaders && readCsrfCookie(request) !== row.csrfToken) {
    // A browser that lost or altered only the CSRF cookie could never send another mutation, not
    // even sign-out, so the next request restores it.
    setSessionCookies(resHeaders, request, {
      token,
      csrfToken: row.csrfToken,
      expiresAt: row.expiresAt,
    })
  }

  return {
    kind: 'session',
    orgId: row.orgId,
    userId: row.userId,
    email: row.email,
    name: row.name,
    role: row.role,
    sessionId,
    csrfToken: row.csrfToken,
  }
}

/** Deletes one session, so its token stops working at once. */
export async function deleteSession(db: Database, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId))
}

/** Deletes sessions that expired before `now`; run by the cron sweep so the table stays small. */
export async function deleteExpiredSessions(db: Database, now = Date.now()): Promise<void> {
  await db.delete(sessions).where(lte(sessions.expiresAt, now))
}
