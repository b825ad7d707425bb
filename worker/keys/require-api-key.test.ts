import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'

import { createApiKey, createOrg, db } from '../../test/fixtures'
import type { Database } from '../db/client'
import { statusLogFor } from '../status-log/status-log.client'
import { LAST_USED_RESOLUTION_MS } from './keys.authenticate'
import { apiKeys } from './keys.schema'
import { authenticateApiKey } from './keys.service'
import { requireApiKey, type ApiKeyEnv } from './require-api-key'

/** A stand-in for the Account API: one route behind the middleware that echoes the principal. */
const app = new Hono<ApiKeyEnv>()
app.use('*', async (c, next) => {
  c.set('requestId', 'req_keys_test')
  await next()
})
app.use('/api/v2/*', requireApiKey)
app.get('/api/v2/accounts', (c) => c.json({ status_is_ok: true, principal: c.var.principal }))

interface Envelope {
  status_is_ok: boolean
  message?: string
  principal?: { kind: string; orgId: string; keyId: string; keyPrefix: string }
}

/** Sends a request through the middleware and waits for its `waitUntil` work to finish. */
async function send(path: string, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext()
  const response = await app.request(path, { headers }, env, ctx)
  const body = (await response.json()) as Envelope
  await waitOnExecutionContext(ctx)
  return { status: response.status, headers: response.headers, body }
}

async function storedKey(id: string) {
  return (await db().select().from(apiKeys).where(eq(apiKeys.id, id)).get())!
}

describe('requireApiKey', () => {
  it('accepts the key in the query, Basic auth and Bearer', async () => {
    const org = await createOrg()
    const { id, key, prefix } = await createApiKey(org.id)
    const expected = { kind: 'api_key', orgId: org.id, keyId: id, keyPrefix: prefix }

    const byQuery = await send(`/api/v2/accounts?api_key=${key}`)
    const byBasic = await send('/api/v2/accounts', { authorization: `Basic ${btoa(`api:${key}`)}` })
    const byBearer = await send('/api/v2/accounts', { authorization: `Bearer ${key}` })

    for (const result of [byQuery, byBasic, byBearer]) {
      expect(result.status).toBe(200)
      expect(result.body.principal).toEqual(expected)
    }
  })

  it('gives each key its own org', async () => {
    const a = await createOrg('Org A')
    const b = await createOrg('Org B')
    const keyOfA = await createApiKey(a.id)
    const keyOfB = await createApiKey(b.id)

    const asA = await send(`/api/v2/accounts?api_key=${keyOfA.key}`)
    const asB = await send(`/api/v2/accounts?api_key=${keyOfB.key}`)

    expect(asA.body.principal!.orgId).toBe(a.id)
    expect(asB.body.principal!.orgId).toBe(b.id)
  })

  it('names the three ways to send a missing key', async () => {
    const missing = await send('/api/v2/accounts')

    expect(missing.status).toBe(401)
    expect(missing.body.status_is_ok).toBe(false)
    expect(missing.body.message).toContain('Missing Account API key')
    expect(missing.body.message).toContain('?api_key=<key>')
    expect(missing.body.message).toContain('user name "api"')
    expect(missing.body.message).toContain('Authorization: Bearer <key>')
    expect(missing.headers.get('www-authenticate')).toContain('Basic realm=')
  })

  it('rejects Basic auth with a user other than api', async () => {
    const org = await createOrg()
    const { key } = await createApiKey(org.id)

    const wrongUser = await send('/api/v2/accounts', {
      authorization: `Basic ${btoa(`admin:${key}`)}`,
    })

    expect(wrongUser.status).toBe(401)
    expect(wrongUser.body.message).toContain('The Authorization header carries no Account API key')
  })

  it('rejects a malformed key without echoing it', async () => {
    const sent = 'sk_live_not_ours_12345'

    const malformed = await send(`/api/v2/accounts?api_key=${sent}`)

    expect(malformed.status).toBe(401)
    expect(malformed.body.status_is_ok).toBe(false)
    expect(malformed.body.message).toContain('Invalid Account API key')
    expect(malformed.body.message).toContain(
      `the key sent does not start with "sya_" and has ${sent.length} characters`,
    )
    expect(malformed.body.message).not.toContain(sent)
  })

  it('names what is wrong with a malformed key', async () => {
    const uppercase = `sya_${'A'.repeat(32)}`
    const short = `sya_${'a'.repeat(20)}`

    const wrongCharacters = await send(`/api/v2/accounts?api_key=${uppercase}`)
    const wrongLength = await send('/api/v2/accounts', { authorization: `Bearer ${short}` })

    expect(wrongCharacters.status).toBe(401)
    expect(wrongCharacters.body.message).toContain('contains characters other than a-z and 2-7')
    expect(wrongLength.status).toBe(401)
    expect(wrongLength.body.message).toContain('the key sent has 24 characters')
  })

  it('accepts a key with surrounding whitespace', async () => {
    const org = await createOrg()
    const { key } = await createApiKey(org.id)

    const result = await send(`/api/v2/accounts?api_key=${encodeURIComponent(` ${key}\n`)}`)

    expect(result.status).toBe(200)
    expect(result.body.principal!.orgId).toBe(org.id)
  })

  it('rejects an unknown key', async () => {
    const unknown = `sya_${'a'.repeat(32)}`

    const result = await send('/api/v2/accounts', { authorization: `Bearer ${unknown}` })

    expect(result.status).toBe(401)
    expect(result.body.message).toContain('Unknown Account API key sya_aaaa…')
    expect(result.body.message).not.toContain(unknown)
  })

  it('says when a key was revoked and logs the call', async () => {
    const org = await createOrg()
    const { id, key, prefix } = await createApiKey(org.id)
    const revokedAt = Date.UTC(2026, 10, 30, 9, 15, 0)
    await db().update(apiKeys).set({ revokedAt }).where(eq(apiKeys.id, id))

    const result = await send(`/api/v2/accounts?api_key=${key}`)

    expect(result.status).toBe(401)
    expect(result.body).toEqual({
      status_is_ok: false,
      message: `This Account API key (${prefix}…) was revoked on 2026-11-30T09:15:00Z; create a new key in Source overview.`,
    })
    const [entry] = await statusLogFor(env, org.id).list({ limit: 1 })
    expect(entry?.httpStatus).toBe(401)
    expect(entry?.outcome).toBe('Failure')
    expect(entry?.api).toBe('accounts')
    expect(entry?.keyPrefix).toBe(prefix)
    expect(entry?.message).toContain('was revoked on')
  })

  it('accepts a rolled key within its grace period only', async () => {
    const org = await createOrg()
    const { id, key } = await createApiKey(org.id)
    await db()
      .update(apiKeys)
      .set({ expiresAt: Date.now() + 3600_000 })
      .where(eq(apiKeys.id, id))

    const withinGrace = await send(`/api/v2/accounts?api_key=${key}`)
    await db()
      .update(apiKeys)
      .set({ expiresAt: Date.UTC(2026, 11, 1, 12, 0, 0) })
      .where(eq(apiKeys.id, id))
    const pastGrace = await send(`/api/v2/accounts?api_key=${key}`)

    expect(withinGrace.status).toBe(200)
    expect(pastGrace.status).toBe(401)
    expect(pastGrace.body.message).toContain(
      'was rolled and stopped working on 2026-12-01T12:00:00Z; use the key that replaced it',
    )
  })

  it('records last use at most once a minute', async () => {
    const org = await createOrg()
    const { id, key } = await createApiKey(org.id)
    expect((await storedKey(id)).lastUsedAt).toBeNull()

    const before = Date.now()
    await send(`/api/v2/accounts?api_key=${key}`)
    const firstUse = (await storedKey(id)).lastUsedAt
    expect(firstUse).toBeGreaterThanOrEqual(before)

    const recent = Date.now() - LAST_USED_RESOLUTION_MS / 2
    await db().update(apiKeys).set({ lastUsedAt: recent }).where(eq(apiKeys.id, id))
    await send(`/api/v2/accounts?api_key=${key}`)
    expect((await storedKey(id)).lastUsedAt).toBe(recent)

    const stale = Date.now() - LAST_USED_RESOLUTION_MS - 1000
    await db().update(apiKeys).set({ lastUsedAt: stale }).where(eq(apiKeys.id, id))
    await send(`/api/v2/accounts?api_key=${key}`)
    expect((await storedKey(id)).lastUsedAt).toBeGreaterThan(stale + LAST_USED_RESOLUTION_MS)
  })

  it('does not record use of a rejected key', async () => {
    const org = await createOrg()
    const { id, key } = await createApiKey(org.id)
    await db().update(apiKeys).set({ revokedAt: Date.now() }).where(eq(apiKeys.id, id))

    await send(`/api/v2/accounts?api_key=${key}`)

    expect((await storedKey(id)).lastUsedAt).toBeNull()
  })
})

describe('authenticateApiKey', () => {
  it('rejects a malformed key without querying the database', async () => {
    const unusable = new Proxy({} as Database, {
      get() {
        throw new Error('the database was queried')
      },
    })
    const waitUntil = () => {
      throw new Error('waitUntil was called')
    }

    for (const key of [
      '',
      'sya_',
      `sya_${'a'.repeat(31)}`,
      `SYA_${'a'.repeat(32)}`,
      `sya_${'1'.repeat(32)}`,
    ]) {
      const check = await authenticateApiKey(unusable, key, { waitUntil })
      expect(check).toMatchObject({ ok: false, reason: 'malformed' })
    }
  })

  it('survives a failed last-used update', async () => {
    const org = await createOrg()
    const { key } = await createApiKey(org.id)
    const pending: Promise<unknown>[] = []
    const real = db()
    const failingUpdates = new Proxy(real, {
      get(target, property, receiver) {
        if (property !== 'update') return Reflect.get(target, property, receiver)
        const rejectOnWhere = () => Promise.reject(new Error('D1 is overloaded'))
        return () => ({ set: () => ({ where: rejectOnWhere }) })
      },
    })

    const check = await authenticateApiKey(failingUpdates, key, {
      waitUntil: (promise) => pending.push(promise),
    })

    expect(check.ok).toBe(true)
    expect(pending).toHaveLength(1)
    await expect(pending[0]).resolves.toBeUndefined()
  })
})
