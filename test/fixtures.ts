import { env, exports } from 'cloudflare:workers'

import { createDb } from '../worker/db/client'
import { apiKeys } from '../worker/keys/keys.schema'
import { createId, randomBytes } from '../worker/lib/ids'
import { hashSecret } from '../worker/lib/hash'
import { orgs, users, type Role } from '../worker/orgs/orgs.schema'
import { sessions } from '../worker/auth/auth.schema'
import { hashPassword } from '../worker/auth/password'
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'

/** Test-only fixtures that insert rows directly, so tests of one capability need not drive another. */

export const db = () => createDb(env.DB)

export async function createOrg(name = 'Test Org') {
  const id = createId('org')
  await db()
    .insert(orgs)
    .values({ id, name, bccToken: createId('bcc'), createdAt: Date.now() })
  return { id, name }
}

/**
 * Inserts a console user with a live session and returns the headers a signed-in browser sends:
 * the session and CSRF cookies plus the `x-csrf-token` header mutations need.
 */
export async function createSignedInUser(orgId: string, role: Role = 'admin') {
  const userId = createId('usr')
  const email = `${userId}@example.test`
  await db()
    .insert(users)
    .values({
      id: userId,
      orgId,
      email,
      name: `User ${role}`,
      role,
      // Not a valid hash on purpose: fixture users sign in through their session, never a password.
      passwordHash: 'fixture',
      createdAt: Date.now(),
    })
  const token = encodeBase32LowerCaseNoPadding(randomBytes(20))
  const csrfToken = encodeBase32LowerCaseNoPadding(randomBytes(20))
  const now = Date.now()
  await db()
    .insert(sessions)
    .values({
      id: hashSecret(token),
      userId,
      orgId,
      csrfToken,
      createdAt: now,
      expiresAt: now + 24 * 3600_000,
    })
  const headers = {
    cookie: `sy_session=${token}; sy_csrf=${csrfToken}`,
    'x-csrf-token': csrfToken,
  }
  return { userId, email, role, token, csrfToken, headers }
}

/** Inserts an Account API key and returns the whole key, as its creator would see it once. */
export async function createApiKey(orgId: string, label = 'test key') {
  const key = `sya_${encodeBase32LowerCaseNoPadding(randomBytes(20))}`
  const id = createId('key')
  await db()
    .insert(apiKeys)
    .values({
      id,
      orgId,
      label,
      prefix: key.slice(0, 8),
      lastFour: key.slice(-4),
      keyHash: hashSecret(key),
      createdAt: Date.now(),
    })
  return { id, key, prefix: key.slice(0, 8) }
}

/**
 * Inserts a console user who signs in with `password` (hashed as production hashes it) and has no
 * session yet.
 */
export async function createUserWithPassword(
  orgId: string,
  role: Role = 'admin',
  password = 'correct horse battery staple',
) {
  const userId = createId('usr')
  const email = `${userId}@example.test`
  await db()
    .insert(users)
    .values({
      id: userId,
      orgId,
      email,
      name: `User ${role}`,
      role,
      passwordHash: await hashPassword(password),
      createdAt: Date.now(),
    })
  return { userId, email, role, password }
}

/** Result of one tRPC call made through the Worker's fetch handler. */
export interface TrpcResponse<T = unknown> {
  status: number
  headers: Headers
  data: T | undefined
  error: { message: string; code: string } | undefined
}

/**
 * Calls a tRPC procedure through the real Worker, as the console does: mutations as POST with a
 * JSON body, queries as GET with `?input=`. `headers` usually come from `createSignedInUser`.
 */
export async function callTrpc<T = unknown>(
  type: 'query' | 'mutation',
  path: string,
  input?: unknown,
  headers: Record<string, string> = {},
  origin = 'http://x',
): Promise<TrpcResponse<T>> {
  const url = new URL(`/api/trpc/${path}`, origin)
  let init: RequestInit = { headers }
  if (type === 'query') {
    if (input !== undefined) url.searchParams.set('input', JSON.stringify(input))
  } else {
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: input === undefined ? undefined : JSON.stringify(input),
    }
  }
  const response = await exports.default.fetch(new Request(url, init))
  const body = (await response.json()) as {
    result?: { data: T }
    error?: { message: string; data: { code: string } }
  }
  return {
    status: response.status,
    headers: response.headers,
    data: body.result?.data,
    error: body.error ? { message: body.error.message, code: body.error.data.code } : undefined,
  }
}
