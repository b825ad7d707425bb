import { describe, expect, it } from 'vitest'

import {
  account,
  api,
  keyClient,
  orgWithKey,
  rejectionCode,
  sessionClient,
} from './accounts.testing'

/** Two orgs that both hold `acme` (with different names), plus `only-a` in org A with a user and contact. */
async function twoOrgs() {
  const a = await orgWithKey('Org A')
  const b = await orgWithKey('Org B')
  await api('POST', '/accounts', {
    key: a.key,
    body: { records: [account('acme', { name: 'Acme of A' }), account('only-a')] },
  })
  await api('POST', '/accounts', {
    key: b.key,
    body: { records: [account('acme', { name: 'Acme of B' })] },
  })
  for (const entity of ['account_users', 'account_contacts']) {
    await api('POST', `/${entity}`, {
      key: a.key,
      body: {
        records: [
          { user_id: 'u1', account_id: 'only-a' },
          { user_id: 'shared', account_id: 'acme' },
        ],
      },
    })
  }
  return { a, b }
}

const nameOf = async (key: string, id: string) =>
  (await api('GET', `/accounts/${id}`, { key })).body.results?.[0]?.name

describe('REST tenant isolation', () => {
  it('keeps the same account_id apart in two orgs', async () => {
    const { a, b } = await twoOrgs()
    expect(await nameOf(a.key, 'acme')).toBe('Acme of A')
    expect(await nameOf(b.key, 'acme')).toBe('Acme of B')
  })

  it('lists only the caller org records', async () => {
    const { b } = await twoOrgs()
    const ids = (await api('GET', '/accounts?include_inactive=1', { key: b.key })).body.results.map(
      (r: { account_id: string }) => r.account_id,
    )
    expect(ids).toEqual(['acme'])
    for (const entity of ['account_users', 'account_contacts']) {
      expect(
        (await api('GET', `/${entity}?include_inactive=1`, { key: b.key })).body.results,
      ).toEqual([])
    }
  })

  it('cannot read, update or delete another org account', async () => {
    const { a, b } = await twoOrgs()
    expect((await api('GET', '/accounts/only-a', { key: b.key })).status).toBe(404)
    expect(
      (await api('PUT', '/accounts/only-a', { key: b.key, body: { data: { tier: 'x' } } })).status,
    ).toBe(404)
    expect((await api('DELETE', '/accounts/only-a', { key: b.key })).status).toBe(404)
    const dimension = await api('DELETE', '/accounts/only-a/dimension_labels/plan', { key: b.key })
    expect(dimension.status).toBe(404)
    expect((await api('GET', '/accounts/only-a/users', { key: b.key })).status).toBe(404)
    expect((await api('GET', '/accounts/only-a/contacts', { key: b.key })).status).toBe(404)

    const still = (await api('GET', '/accounts/only-a', { key: a.key })).body.results[0]
    expect(still.is_active).toBe(true)
    expect(still.tier).toBeUndefined()
  })

  it('updates and deactivates only the caller org copy of a shared id', async () => {
    const { a, b } = await twoOrgs()
    const plan = { custom_label_dimensions: [{ key: 'plan', value: 'pro' }] }
    await api('PUT', '/accounts/acme', { key: a.key, body: { data: plan } })
    await api('PUT', '/accounts/acme', { key: b.key, body: { data: plan } })

    await api('DELETE', '/accounts/acme/dimension_labels/plan', { key: b.key })
    await api('PUT', '/accounts/acme', { key: b.key, body: { data: { name: 'Renamed by B' } } })
    await api('DELETE', '/accounts/acme', { key: b.key })
    await api('POST', '/accounts', {
      key: b.key,
      body: { records: [{ account_id: 'acme', tier: 'B tier' }] },
    })

    const ofA = (await api('GET', '/accounts/acme', { key: a.key })).body.results[0]
    expect(ofA).toMatchObject({ name: 'Acme of A', is_active: true })
    expect(ofA.tier).toBeUndefined()
    expect(ofA.custom_label_dimensions).toEqual([{ key: 'plan', value: 'pro' }])
    const ofB = (await api('GET', '/accounts/acme', { key: b.key })).body.results[0]
    expect(ofB).toMatchObject({ name: 'Renamed by B', is_active: false, tier: 'B tier' })
    expect(ofB.custom_label_dimensions).toEqual([])
  })

  for (const entity of ['account_users', 'account_contacts']) {
    it(`cannot reach another org ${entity}`, async () => {
      const { a, b } = await twoOrgs()
      expect((await api('GET', `/${entity}/u1`, { key: b.key })).status).toBe(404)
      expect((await api('GET', `/${entity}/u1/only-a`, { key: b.key })).status).toBe(404)
      expect(
        (await api('PUT', `/${entity}/u1`, { key: b.key, body: { data: { title: 'x' } } })).status,
      ).toBe(404)
      expect((await api('DELETE', `/${entity}/u1/only-a`, { key: b.key })).status).toBe(404)

      const attach = await api('POST', `/${entity}`, {
        key: b.key,
        body: { records: [{ user_id: 'u9', account_id: 'only-a' }] },
      })
      expect(attach.body.failed_results[0].message).toMatch(/^Account not found: only-a\./)

      // B may attach to its own acme; A's user "shared" under A's acme stays A's only.
      await api('POST', `/${entity}`, {
        key: b.key,
        body: { records: [{ user_id: 'shared', account_id: 'acme', title: 'B' }] },
      })
      const ofA = (await api('GET', `/${entity}/shared/acme`, { key: a.key })).body.results[0]
      expect(ofA.title).toBeUndefined()
    })
  }
})

describe('tRPC tenant isolation', () => {
  it('accounts procedures see only the caller org', async () => {
    const { a, b } = await twoOrgs()
    const callers = [await sessionClient(b.orgId, 'admin'), keyClient(b.key)]
    for (const caller of callers) {
      const listed = await caller.accounts.list.query({ includeInactive: true })
      expect(listed.rows.map((row) => row.accountId)).toEqual(['acme'])
      expect(listed.total).toBe(1)
      expect((await caller.accounts.get.query({ accountId: 'acme' })).account.name).toBe(
        'Acme of B',
      )
      expect(await rejectionCode(caller.accounts.get.query({ accountId: 'only-a' }))).toBe(
        'NOT_FOUND',
      )

      const update = await caller.accounts.update.mutate({
        accountId: 'only-a',
        data: { tier: 'x' },
      })
      expect(update).toMatchObject({ status_is_ok: false, message: 'Account not found: only-a.' })
      const deactivate = await caller.accounts.deactivate.mutate({ accountId: 'only-a' })
      expect(deactivate.status_is_ok).toBe(false)
    }
    const ofA = (await api('GET', '/accounts/only-a', { key: a.key })).body.results[0]
    expect(ofA).toMatchObject({ is_active: true })
    expect(ofA.tier).toBeUndefined()
  })

  it('accounts.upsert writes into the caller org only', async () => {
    const { a, b } = await twoOrgs()
    const caller = keyClient(b.key)
    await caller.accounts.upsert.mutate({ records: [{ account_id: 'acme', tier: 'B tier' }] })
    expect(
      (await api('GET', '/accounts/acme', { key: a.key })).body.results[0].tier,
    ).toBeUndefined()
    expect((await api('GET', '/accounts/acme', { key: b.key })).body.results[0].tier).toBe('B tier')
  })

  for (const procedures of ['accountUsers', 'accountContacts'] as const) {
    it(`${procedures} procedures see only the caller org`, async () => {
      const { b } = await twoOrgs()
      const caller = keyClient(b.key)
      const router = caller[procedures]

      expect((await router.list.query({ includeInactive: true })).results).toEqual([])
      expect(await rejectionCode(router.get.query({ userId: 'u1' }))).toBe('NOT_FOUND')
      expect(
        (await router.update.mutate({ userId: 'u1', data: { title: 'x' } })).status_is_ok,
      ).toBe(false)
      expect(
        (await router.deactivate.mutate({ userId: 'u1', accountId: 'only-a' })).status_is_ok,
      ).toBe(false)
      const upsert = await router.upsert.mutate({
        records: [{ user_id: 'u2', account_id: 'only-a' }],
      })
      expect(upsert.failed_results?.[0]?.message).toMatch(/^Account not found: only-a\./)
    })
  }
})
