import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import {
  callTrpc,
  createOrg,
  createSignedInUser,
  createUserWithPassword,
  db,
} from '../../test/fixtures'
import { hashSecret } from '../lib/hash'
import { users } from '../orgs/orgs.schema'
import { runScheduled } from '../scheduled'
import { sessions, signInThrottles } from './auth.schema'
import { SESSION_LIFETIME_MS } from './session'

interface SignedIn {
  user: { id: string; email: string; name: string; role: string }
  org: { id: string; name: string }
}

/** Parses the response's Set-Cookie headers into name → full header line. */
function setCookies(headers: Headers): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const line of headers.getSetCookie()) {
    cookies.set(line.slice(0, line.indexOf('=')), line)
  }
  return cookies
}

function cookieValue(line: string | undefined): string {
  return line?.split(';')[0]?.split('=')[1] ?? ''
}

/** Signs in through the Worker and returns the headers a browser would send afterwards. */
async function signIn(email: string, password: string, extra: Record<string, string> = {}) {
  const response = await callTrpc<SignedIn>('mutation', 'auth.signIn', { email, password }, extra)
  const cookies = setCookies(response.headers)
  const token = cookieValue(cookies.get('sy_session'))
  const csrf = cookieValue(cookies.get('sy_csrf'))
  const headers = { cookie: `sy_session=${token}; sy_csrf=${csrf}`, 'x-csrf-token': csrf }
  return { response, cookies, token, csrf, headers }
}

describe('auth.signIn', () => {
  it('signs in with the right password', async () => {
    const org = await createOrg('Acme')
    const user = await createUserWithPassword(org.id, 'data_manager')

    const { response, cookies, token } = await signIn(user.email, user.password)

    expect(response.status).toBe(200)
    expect(response.data).toEqual({
      user: { id: user.userId, email: user.email, name: 'User data_manager', role: 'data_manager' },
      org: { id: org.id, name: 'Acme' },
    })
    expect(token).toMatch(/^[a-z2-7]{32}$/)
    const sessionCookie = cookies.get('sy_session') ?? ''
    expect(sessionCookie).toContain('HttpOnly')
    expect(sessionCookie).toContain('SameSite=Lax')
    expect(sessionCookie).toContain('Path=/')
    expect(sessionCookie).not.toContain('Secure')
    const csrfCookie = cookies.get('sy_csrf') ?? ''
    expect(csrfCookie).not.toContain('HttpOnly')
    expect(csrfCookie).toContain('SameSite=Lax')
  })

  it('stores only the hash of the session token', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)
    const { token, csrf } = await signIn(user.email, user.password)

    const rows = await db().select().from(sessions).where(eq(sessions.userId, user.userId))
    expect(rows).toHaveLength(1)
    expect(rows[0]?.id).toBe(hashSecret(token))
    expect(rows[0]?.id).not.toBe(token)
    expect(rows[0]?.csrfToken).toBe(csrf)
  })

  it('accepts the email in any case', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)

    const { response } = await signIn(`  ${user.email.toUpperCase()} `, user.password)

    expect(response.status).toBe(200)
  })

  it('marks cookies Secure over https', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)
    const response = await callTrpc(
      'mutation',
      'auth.signIn',
      { email: user.email, password: user.password },
      {},
      'https://console.example.test',
    )

    const cookies = setCookies(response.headers)
    expect(cookies.get('sy_session')).toContain('Secure')
    expect(cookies.get('sy_csrf')).toContain('Secure')
  })

  it('gives one message for wrong password and unknown email', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)

    const wrong = await signIn(user.email, 'not the password')
    const unknown = await signIn('nobody@example.test', user.password)

    expect(wrong.response.status).toBe(401)
    expect(wrong.response.error?.message).toBe('Wrong email or password.')
    expect(unknown.response.status).toBe(401)
    expect(unknown.response.error).toEqual(wrong.response.error)
    expect(wrong.cookies.size).toBe(0)
    expect(unknown.cookies.size).toBe(0)
  })

  it('rejects a malformed email with a clear message', async () => {
    const response = await callTrpc('mutation', 'auth.signIn', { email: 'nope', password: 'x' })

    expect(response.status).toBe(400)
    expect(response.error?.message).toBe(
      '"nope" is not an email address: enter one such as admin@example.com.',
    )
  })

  it('rejects a disabled user with the right password', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)
    await db().update(users).set({ disabledAt: Date.now() }).where(eq(users.id, user.userId))

    const { response, cookies } = await signIn(user.email, user.password)

    expect(response.status).toBe(403)
    expect(response.error?.message).toContain('disabled')
    expect(cookies.size).toBe(0)
  })
})

describe('sign-in throttle', () => {
  it('locks an email after five failures', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)
    for (let i = 0; i < 5; i++) {
      const { response } = await signIn(user.email, `wrong ${i}`)
      expect(response.status).toBe(401)
    }

    const locked = await signIn(user.email, user.password)

    expect(locked.response.status).toBe(429)
    expect(locked.response.error?.message).toMatch(
      /Try again after \d\d:\d\d UTC \(in 15 minutes\)/,
    )
    expect(locked.cookies.size).toBe(0)
  })

  it('leaves other emails unlocked', async () => {
    const org = await createOrg()
    const locked = await createUserWithPassword(org.id)
    const other = await createUserWithPassword(org.id)
    for (let i = 0; i < 5; i++) await signIn(locked.email, 'wrong')

    const { response } = await signIn(other.email, other.password)

    expect(response.status).toBe(200)
  })

  it('unlocks once the lock has passed', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)
    for (let i = 0; i < 5; i++) await signIn(user.email, 'wrong')
    const past = Date.now() - 16 * 60_000
    await db()
      .update(signInThrottles)
      .set({ windowStartedAt: past, lockedUntil: past + 60_000 })
      .where(eq(signInThrottles.key, `email:${user.email}`))

    const { response } = await signIn(user.email, user.password)

    expect(response.status).toBe(200)
  })

  it('starts a new count after the window', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)
    for (let i = 0; i < 4; i++) await signIn(user.email, 'wrong')
    await db()
      .update(signInThrottles)
      .set({ windowStartedAt: Date.now() - 16 * 60_000 })
      .where(eq(signInThrottles.key, `email:${user.email}`))

    await signIn(user.email, 'wrong again')
    const [row] = await db()
      .select()
      .from(signInThrottles)
      .where(eq(signInThrottles.key, `email:${user.email}`))

    expect(row?.failures).toBe(1)
    expect(row?.lockedUntil).toBeNull()
  })

  it('clears the email count on success', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)
    for (let i = 0; i < 4; i++) await signIn(user.email, 'wrong')
    await signIn(user.email, user.password)
    for (let i = 0; i < 4; i++) await signIn(user.email, 'wrong')

    const { response } = await signIn(user.email, user.password)

    expect(response.status).toBe(200)
  })

  it('counts unknown emails too', async () => {
    for (let i = 0; i < 5; i++) await signIn('ghost@example.test', 'wrong')

    const { response } = await signIn('ghost@example.test', 'wrong')

    expect(response.status).toBe(429)
  })

  it('limits parallel guesses to five', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)

    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => signIn(user.email, `parallel ${i}`)),
    )
    const statuses = attempts.map((attempt) => attempt.response.status)

    expect(statuses.filter((status) => status === 401)).toHaveLength(5)
    expect(statuses.filter((status) => status === 429)).toHaveLength(5)
  })

  it('does not count successes against an IP', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)
    const ip = { 'cf-connecting-ip': '192.0.2.44' }

    for (let i = 0; i < 21; i++) {
      const { response } = await signIn(user.email, user.password, ip)
      expect(response.status).toBe(200)
    }
    const [row] = await db()
      .select()
      .from(signInThrottles)
      .where(eq(signInThrottles.key, 'ip:192.0.2.44'))

    expect(row?.failures).toBe(0)
    expect(row?.lockedUntil).toBeNull()
  })

  it('locks a client IP after twenty failures', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)
    const ip = { 'cf-connecting-ip': '203.0.113.7' }
    for (let i = 0; i < 20; i++) {
      const { response } = await signIn(`spray${i}@example.test`, 'wrong', ip)
      expect(response.status).toBe(401)
    }

    const fromSameIp = await signIn(user.email, user.password, ip)
    const fromOtherIp = await signIn(user.email, user.password, {
      'cf-connecting-ip': '198.51.100.9',
    })

    expect(fromSameIp.response.status).toBe(429)
    expect(fromOtherIp.response.status).toBe(200)
  })
})

describe('sessions', () => {
  it('returns the user from auth.me', async () => {
    const org = await createOrg('Me Org')
    const user = await createUserWithPassword(org.id, 'viewer')
    const { headers } = await signIn(user.email, user.password)

    const me = await callTrpc<SignedIn>('query', 'auth.me', undefined, headers)

    expect(me.data?.user.id).toBe(user.userId)
    expect(me.data?.org).toEqual({ id: org.id, name: 'Me Org' })
  })

  it('returns null from auth.me without a session', async () => {
    const me = await callTrpc('query', 'auth.me')
    const bogus = await callTrpc('query', 'auth.me', undefined, { cookie: 'sy_session=bogus' })

    expect(me.status).toBe(200)
    expect(me.data).toBeNull()
    expect(bogus.data).toBeNull()
  })

  it('rejects an expired session', async () => {
    const org = await createOrg()
    const user = await createSignedInUser(org.id)
    await db()
      .update(sessions)
      .set({ expiresAt: Date.now() - 1 })
      .where(eq(sessions.id, hashSecret(user.token)))

    const me = await callTrpc('query', 'auth.me', undefined, user.headers)
    const members = await callTrpc('query', 'orgs.members', undefined, user.headers)

    expect(me.data).toBeNull()
    expect(members.status).toBe(401)
  })

  it('renews a session past half its life', async () => {
    const org = await createOrg()
    const user = await createSignedInUser(org.id)
    const sessionId = hashSecret(user.token)
    await db()
      .update(sessions)
      .set({ expiresAt: Date.now() + 24 * 3600_000 })
      .where(eq(sessions.id, sessionId))

    const before = Date.now()
    const me = await callTrpc('query', 'auth.me', undefined, user.headers)
    const [row] = await db().select().from(sessions).where(eq(sessions.id, sessionId))

    expect(me.data).not.toBeNull()
    expect(row?.expiresAt).toBeGreaterThanOrEqual(before + SESSION_LIFETIME_MS)
    const cookies = setCookies(me.headers)
    expect(cookieValue(cookies.get('sy_session'))).toBe(user.token)
    expect(cookieValue(cookies.get('sy_csrf'))).toBe(user.csrfToken)
    expect(cookies.get('sy_session')).toContain(new Date(row?.expiresAt ?? 0).toUTCString())
  })

  it('leaves a fresh session unrenewed', async () => {
    const org = await createOrg()
    const user = await createSignedInUser(org.id)
    const sessionId = hashSecret(user.token)
    const expiresAt = Date.now() + 6 * 24 * 3600_000
    await db().update(sessions).set({ expiresAt }).where(eq(sessions.id, sessionId))

    const me = await callTrpc('query', 'auth.me', undefined, user.headers)
    const [row] = await db().select().from(sessions).where(eq(sessions.id, sessionId))

    expect(me.data).not.toBeNull()
    expect(row?.expiresAt).toBe(expiresAt)
    expect(me.headers.getSetCookie()).toEqual([])
  })

  it('stops working when the user is disabled', async () => {
    const org = await createOrg()
    const user = await createSignedInUser(org.id)
    await db().update(users).set({ disabledAt: Date.now() }).where(eq(users.id, user.userId))

    const me = await callTrpc('query', 'auth.me', undefined, user.headers)
    const members = await callTrpc('query', 'orgs.members', undefined, user.headers)

    expect(me.data).toBeNull()
    expect(members.status).toBe(401)
  })

  it('signs out and invalidates the token', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)
    const { headers, token } = await signIn(user.email, user.password)

    const out = await callTrpc('mutation', 'auth.signOut', undefined, headers)
    const rows = await db()
      .select()
      .from(sessions)
      .where(eq(sessions.id, hashSecret(token)))
    const me = await callTrpc('query', 'auth.me', undefined, headers)

    expect(out.status).toBe(200)
    expect(rows).toEqual([])
    expect(me.data).toBeNull()
    const cookies = setCookies(out.headers)
    expect(cookies.get('sy_session')).toContain('Max-Age=0')
    expect(cookies.get('sy_csrf')).toContain('Max-Age=0')
  })

  it('ends the old session on a new sign-in', async () => {
    const org = await createOrg()
    const user = await createUserWithPassword(org.id)
    const first = await signIn(user.email, user.password)

    const second = await signIn(user.email, user.password, first.headers)
    const me = await callTrpc('query', 'auth.me', undefined, first.headers)

    expect(second.response.status).toBe(200)
    expect(me.data).toBeNull()
  })
})

describe('CSRF check', () => {
  it('rejects a mutation without the header', async () => {
    const org = await createOrg()
    const user = await createSignedInUser(org.id)
    const { cookie } = user.headers

    const response = await callTrpc('mutation', 'auth.signOut', undefined, { cookie })
    const me = await callTrpc('query', 'auth.me', undefined, { cookie })

    expect(response.status).toBe(403)
    expect(response.error?.message).toContain('Missing x-csrf-token header')
    expect(me.data).not.toBeNull()
  })

  it('rejects a mutation with a wrong header', async () => {
    const org = await createOrg()
    const user = await createSignedInUser(org.id)
    const other = await createSignedInUser(org.id)
    const headers = { cookie: user.headers.cookie, 'x-csrf-token': other.csrfToken }

    const response = await callTrpc(
      'mutation',
      'orgs.addMember',
      { email: 'csrf@example.test', name: 'Csrf', role: 'viewer' },
      headers,
    )
    const members = await callTrpc<unknown[]>('query', 'orgs.members', undefined, user.headers)

    expect(response.status).toBe(403)
    expect(response.error?.message).toContain('Invalid x-csrf-token header')
    expect(members.data).toHaveLength(2)
  })

  it('lets queries through without the header', async () => {
    const org = await createOrg()
    const user = await createSignedInUser(org.id)

    const response = await callTrpc('query', 'orgs.members', undefined, {
      cookie: user.headers.cookie,
    })

    expect(response.status).toBe(200)
  })
})

describe('cron sweep', () => {
  it('prunes expired sessions and stale throttles', async () => {
    const org = await createOrg()
    const expired = await createSignedInUser(org.id)
    const live = await createSignedInUser(org.id)
    const now = Date.now()
    await db()
      .update(sessions)
      .set({ expiresAt: now - 1 })
      .where(eq(sessions.id, hashSecret(expired.token)))
    await db()
      .insert(signInThrottles)
      .values([
        {
          key: 'email:stale@example.test',
          failures: 5,
          windowStartedAt: now - 20 * 60_000,
          lockedUntil: now - 60_000,
        },
        {
          key: 'email:locked@example.test',
          failures: 5,
          windowStartedAt: now - 20 * 60_000,
          lockedUntil: now + 60_000,
        },
        {
          key: 'email:counting@example.test',
          failures: 2,
          windowStartedAt: now - 60_000,
          lockedUntil: null,
        },
      ])

    await runScheduled({ cron: '*/5 * * * *', scheduledTime: now, noRetry: () => {} }, env)
    const sessionIds = (await db().select({ id: sessions.id }).from(sessions)).map((row) => row.id)
    const throttleKeys = (await db().select().from(signInThrottles)).map((row) => row.key)

    expect(sessionIds).not.toContain(hashSecret(expired.token))
    expect(sessionIds).toContain(hashSecret(live.token))
    expect(throttleKeys).not.toContain('email:stale@example.test')
    expect(throttleKeys).toContain('email:locked@example.test')
    expect(throttleKeys).toContain('email:counting@example.test')
  })
})
