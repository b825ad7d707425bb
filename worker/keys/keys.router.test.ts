import { eq } from 'drizzle-orm'
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { createApiKey, createOrg, createSignedInUser, db } from '../../test/fixtures'
import { hashSecret } from '../lib/hash'
import { apiKeys } from './keys.schema'
import type { ApiKeyView, IssuedApiKey } from './keys.service'

interface TrpcError {
  message: string
  data: { code: string; httpStatus: number }
}

/** Calls a tRPC procedure through the real Worker and returns the HTTP status and body. */
async function call<T>(
  procedure: string,
  options: { headers: Record<string, string>; input?: unknown; mutation?: boolean; query?: string },
): Promise<{ status: number; data?: T; error?: TrpcError }> {
  const url = new URL(`http://x/api/trpc/${procedure}`)
  if (options.query) url.search = options.query
  const init: RequestInit = { headers: { ...options.headers } }
  if (options.mutation) {
    init.method = 'POST'
    init.headers = { ...options.headers, 'content-type': 'application/json' }
    init.body = JSON.stringify(options.input ?? {})
  } else if (options.input !== undefined) {
    url.searchParams.set('input', JSON.stringify(options.input))
  }
  const response = await exports.default.fetch(new Request(url, init))
  const body = (await response.json()) as { result?: { data: T }; error?: TrpcError }
  return { status: response.status, data: body.result?.data, error: body.error }
}

async function create(headers: Record<string, string>, label: string) {
  return call<IssuedApiKey>('keys.create', { headers, input: { label }, mutation: true })
}

async function list(headers: Record<string, string>) {
  return call<ApiKeyView[]>('keys.list', { headers })
}

async function adminOfNewOrg() {
  const org = await createOrg()
  const admin = await createSignedInUser(org.id, 'admin')
  return { org, admin }
}

describe('keys.create', () => {
  it('returns the whole key once and stores only its hash', async () => {
    const { org, admin } = await adminOfNewOrg()

    const created = await create(admin.headers, '  Salesforce sync  ')

    expect(created.status).toBe(200)
    const { key, apiKey } = created.data!
    expect(key).toMatch(/^sya_[a-z2-7]{32}$/)
    expect(apiKey.label).toBe('Salesforce sync')
    expect(apiKey.prefix).toBe(key.slice(0, 8))
    expect(apiKey.lastFour).toBe(key.slice(-4))
    expect(apiKey.status).toBe('active')
    expect(apiKey.createdByName).toBe('User admin')
    expect(JSON.stringify(apiKey)).not.toContain(key)

    const stored = await db().select().from(apiKeys).where(eq(apiKeys.orgId, org.id))
    expect(stored).toHaveLength(1)
    expect(stored[0]!.keyHash).toBe(hashSecret(key))
    expect(JSON.stringify(stored)).not.toContain(key)
  })

  it('never shows the whole key in the list', async () => {
    const { admin } = await adminOfNewOrg()
    const first = await create(admin.headers, 'First')
    const second = await create(admin.headers, 'Second')

    const listed = await list(admin.headers)

    expect(listed.status).toBe(200)
    expect(listed.data!.map((row) => row.label)).toEqual(['Second', 'First'])
    const text = JSON.stringify(listed.data)
    expect(text).not.toContain(first.data!.key)
    expect(text).not.toContain(second.data!.key)
    expect(Object.keys(listed.data![0]!).sort()).toEqual(
      [
        'createdAt',
        'createdByName',
        'expiresAt',
        'id',
        'label',
        'lastFour',
        'lastUsedAt',
        'prefix',
        'revokedAt',
        'status',
      ].sort(),
    )
  })

  it('rejects empty and overlong labels', async () => {
    const { admin } = await adminOfNewOrg()

    const blank = await create(admin.headers, '   ')
    const long = await create(admin.headers, 'x'.repeat(81))

    expect(blank.status).toBe(400)
    expect(blank.error!.message).toContain('label is empty')
    expect(long.status).toBe(400)
    expect(long.error!.message).toContain('longer than 80 characters')
    expect((await list(admin.headers)).data).toEqual([])
  })
})

describe('keys roles', () => {
  it('lets a viewer list but not create, roll or revoke', async () => {
    const { org, admin } = await adminOfNewOrg()
    const viewer = await createSignedInUser(org.id, 'viewer')
    const existing = await create(admin.headers, 'Existing')
    const id = existing.data!.apiKey.id

    expect((await list(viewer.headers)).data).toHaveLength(1)
    const created = await create(viewer.headers, 'Nope')
    const rolled = await call('keys.roll', {
      headers: viewer.headers,
      input: { id, graceSeconds: 0 },
      mutation: true,
    })
    const revoked = await call('keys.revoke', {
      headers: viewer.headers,
      input: { id },
      mutation: true,
    })

    for (const result of [created, rolled, revoked]) {
      expect(result.status).toBe(403)
      expect(result.error!.message).toContain('Your role is viewer; this needs admin')
    }
    const rows = (await list(admin.headers)).data!
    expect(rows).toHaveLength(1)
    expect(rows[0]!.status).toBe('active')
  })

  it('does not let a data manager create a key', async () => {
    const { org } = await adminOfNewOrg()
    const manager = await createSignedInUser(org.id, 'data_manager')

    const created = await create(manager.headers, 'Nope')

    expect(created.status).toBe(403)
    expect(created.error!.message).toContain('Your role is data_manager; this needs admin')
    expect((await list(manager.headers)).data).toEqual([])
  })

  it('rejects a caller without a session', async () => {
    const listed = await list({})

    expect(listed.status).toBe(401)
  })

  it('rejects an Account API key on key management', async () => {
    const { org } = await adminOfNewOrg()
    const { key } = await createApiKey(org.id)

    const listed = await list({ authorization: `Bearer ${key}` })

    expect(listed.status).toBe(403)
    expect(listed.error!.message).toContain('API keys may call the Account API only')
  })

  it('says why a revoked key is rejected', async () => {
    const { org, admin } = await adminOfNewOrg()
    const { id, key } = await createApiKey(org.id)
    await call('keys.revoke', { headers: admin.headers, input: { id }, mutation: true })

    const listed = await call('keys.list', { headers: {}, query: `api_key=${key}` })

    expect(listed.status).toBe(401)
    expect(listed.error!.data.code).toBe('UNAUTHORIZED')
    expect(listed.error!.message).toMatch(/was revoked on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/)
    expect(listed.error!.message).toContain('create a new key in Source overview')
  })

  it('does not fall back to the session when a key is rejected', async () => {
    const { org, admin } = await adminOfNewOrg()
    const { id, key } = await createApiKey(org.id)
    await db().update(apiKeys).set({ revokedAt: Date.now() }).where(eq(apiKeys.id, id))

    const listed = await call('keys.list', { headers: admin.headers, query: `api_key=${key}` })

    expect(listed.status).toBe(401)
    expect(listed.error!.message).toContain('was revoked on')
  })
})

describe('keys.roll', () => {
  it('issues a new key under the same label and expires the old one', async () => {
    const { admin } = await adminOfNewOrg()
    const old = (await create(admin.headers, 'Billing')).data!
    const before = Date.now()

    const rolled = await call<IssuedApiKey>('keys.roll', {
      headers: admin.headers,
      input: { id: old.apiKey.id, graceSeconds: 3600 },
      mutation: true,
    })

    expect(rolled.status).toBe(200)
    const { key, apiKey } = rolled.data!
    expect(key).not.toBe(old.key)
    expect(apiKey.label).toBe('Billing')
    expect(apiKey.status).toBe('active')
    const rows = (await list(admin.headers)).data!
    const oldRow = rows.find((row) => row.id === old.apiKey.id)!
    expect(oldRow.status).toBe('expiring')
    expect(oldRow.expiresAt).toBeGreaterThanOrEqual(before + 3600_000)
    expect(oldRow.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000)
    const stored = await db().select().from(apiKeys).where(eq(apiKeys.id, old.apiKey.id)).get()
    expect(stored!.replacedBy).toBe(apiKey.id)

    // Both keys authenticate during the grace period; key management then rejects them as keys.
    for (const sent of [old.key, key]) {
      const asKey = await call('keys.list', { headers: { authorization: `Bearer ${sent}` } })
      expect(asKey.status).toBe(403)
    }
  })

  it('stops the old key at once with grace 0', async () => {
    const { admin } = await adminOfNewOrg()
    const old = (await create(admin.headers, 'Leaked')).data!

    await call('keys.roll', {
      headers: admin.headers,
      input: { id: old.apiKey.id, graceSeconds: 0 },
      mutation: true,
    })

    const oldRow = (await list(admin.headers)).data!.find((row) => row.id === old.apiKey.id)!
    expect(oldRow.status).toBe('expired')
    const rejected = await call('keys.list', { headers: {}, query: `api_key=${old.key}` })
    expect(rejected.status).toBe(401)
    expect(rejected.error!.message).toContain('was rolled and stopped working on')
  })

  it('rejects a grace period outside 0 to 7 days', async () => {
    const { admin } = await adminOfNewOrg()
    const old = (await create(admin.headers, 'Grace')).data!

    const tooLong = await call('keys.roll', {
      headers: admin.headers,
      input: { id: old.apiKey.id, graceSeconds: 604_801 },
      mutation: true,
    })
    const negative = await call('keys.roll', {
      headers: admin.headers,
      input: { id: old.apiKey.id, graceSeconds: -1 },
      mutation: true,
    })

    expect(tooLong.status).toBe(400)
    expect(tooLong.error!.message).toContain('graceSeconds is at most 604800')
    expect(negative.status).toBe(400)
    expect(negative.error!.message).toContain('graceSeconds cannot be negative')
    expect((await list(admin.headers)).data).toHaveLength(1)
  })

  it('rejects rolling a revoked or rolled key', async () => {
    const { admin } = await adminOfNewOrg()
    const revoked = (await create(admin.headers, 'Revoked')).data!
    const rolledOnce = (await create(admin.headers, 'Rolled')).data!
    await call('keys.revoke', {
      headers: admin.headers,
      input: { id: revoked.apiKey.id },
      mutation: true,
    })
    const roll = (id: string) =>
      call('keys.roll', { headers: admin.headers, input: { id, graceSeconds: 60 }, mutation: true })
    await roll(rolledOnce.apiKey.id)

    const second = await roll(rolledOnce.apiKey.id)
    const ofRevoked = await roll(revoked.apiKey.id)

    expect(second.status).toBe(409)
    expect(second.error!.message).toContain('was already rolled')
    expect(ofRevoked.status).toBe(409)
    expect(ofRevoked.error!.message).toContain('cannot be rolled')
    expect((await list(admin.headers)).data).toHaveLength(3)
  })

  it('lets only one of two concurrent rolls win', async () => {
    const { admin } = await adminOfNewOrg()
    const old = (await create(admin.headers, 'Raced')).data!
    const roll = () =>
      call<IssuedApiKey>('keys.roll', {
        headers: admin.headers,
        input: { id: old.apiKey.id, graceSeconds: 60 },
        mutation: true,
      })

    const results = await Promise.all([roll(), roll()])

    expect(results.map((result) => result.status).sort()).toEqual([200, 409])
    const rows = (await list(admin.headers)).data!
    expect(rows).toHaveLength(2)
    const winner = results.find((result) => result.status === 200)!.data!
    expect(rows.map((row) => row.id).sort()).toEqual([old.apiKey.id, winner.apiKey.id].sort())
  })
})

describe('keys.revoke', () => {
  it('marks the key revoked and keeps it in the list', async () => {
    const { admin } = await adminOfNewOrg()
    const created = (await create(admin.headers, 'Old')).data!

    const revoked = await call<ApiKeyView>('keys.revoke', {
      headers: admin.headers,
      input: { id: created.apiKey.id },
      mutation: true,
    })
    const again = await call<ApiKeyView>('keys.revoke', {
      headers: admin.headers,
      input: { id: created.apiKey.id },
      mutation: true,
    })

    expect(revoked.data!.status).toBe('revoked')
    expect(again.data!.revokedAt).toBe(revoked.data!.revokedAt)
    expect((await list(admin.headers)).data![0]!.status).toBe('revoked')
  })

  it('rejects an unknown id as NOT_FOUND', async () => {
    const { admin } = await adminOfNewOrg()

    const revoked = await call('keys.revoke', {
      headers: admin.headers,
      input: { id: 'key_missing' },
      mutation: true,
    })

    expect(revoked.status).toBe(404)
    expect(revoked.error!.message).toContain('No API key with id "key_missing"')
  })
})

describe('keys tenant isolation', () => {
  it("keeps one org's keys out of another org's reach", async () => {
    const a = await adminOfNewOrg()
    const b = await adminOfNewOrg()
    const keyOfA = (await create(a.admin.headers, 'Org A key')).data!
    await create(b.admin.headers, 'Org B key')

    const listedByB = (await list(b.admin.headers)).data!
    const rolledByB = await call('keys.roll', {
      headers: b.admin.headers,
      input: { id: keyOfA.apiKey.id, graceSeconds: 0 },
      mutation: true,
    })
    const revokedByB = await call('keys.revoke', {
      headers: b.admin.headers,
      input: { id: keyOfA.apiKey.id },
      mutation: true,
    })

    expect(listedByB.map((row) => row.label)).toEqual(['Org B key'])
    expect(rolledByB.status).toBe(404)
    expect(rolledByB.error!.message).toContain('exists in your org')
    expect(revokedByB.status).toBe(404)
    const listedByA = (await list(a.admin.headers)).data!
    expect(listedByA).toHaveLength(1)
    expect(listedByA[0]!.status).toBe('active')
    expect(listedByA[0]!.revokedAt).toBeNull()
    expect(listedByA[0]!.expiresAt).toBeNull()
  })
})
