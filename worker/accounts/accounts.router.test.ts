import { describe, expect, it } from 'vitest'

import {
  account,
  keyClient,
  orgWithKey,
  rejectionCode,
  sessionClient,
  waitForLogEntry,
} from './accounts.testing'

describe('accounts router roles', () => {
  it('lets a viewer read but not write', async () => {
    const { orgId } = await orgWithKey()
    const viewer = await sessionClient(orgId, 'viewer')

    expect((await viewer.accounts.list.query({})).total).toBe(0)
    expect(await rejectionCode(viewer.accounts.upsert.mutate({ records: [account('a1')] }))).toBe(
      'FORBIDDEN',
    )
    expect(await rejectionCode(viewer.accounts.update.mutate({ accountId: 'a1', data: {} }))).toBe(
      'FORBIDDEN',
    )
    expect(await rejectionCode(viewer.accounts.deactivate.mutate({ accountId: 'a1' }))).toBe(
      'FORBIDDEN',
    )
    expect(await rejectionCode(viewer.accountUsers.upsert.mutate({ records: [{}] }))).toBe(
      'FORBIDDEN',
    )
    expect(await rejectionCode(viewer.accountContacts.deactivate.mutate({ userId: 'u1' }))).toBe(
      'FORBIDDEN',
    )
  })

  it('lets a data manager and an API key write', async () => {
    const { orgId, key: apiKey } = await orgWithKey()
    const manager = await sessionClient(orgId, 'data_manager')
    const key = keyClient(apiKey)

    const byManager = await manager.accounts.upsert.mutate({ records: [account('a1')] })
    const byKey = await key.accounts.upsert.mutate({ records: [account('a2')] })

    expect(byManager).toMatchObject({ status_is_ok: true, failed_results: [] })
    expect(byKey).toMatchObject({ status_is_ok: true, failed_results: [] })
    expect((await manager.accounts.list.query({})).total).toBe(2)
  })
})

describe('accounts router', () => {
  it('lists for the console with search and paging', async () => {
    const { key } = await orgWithKey()
    const caller = keyClient(key)
    await caller.accounts.upsert.mutate({
      records: [
        account('acme', { name: 'Acme Corp' }),
        account('globex', { name: 'Globex' }),
        account('init', { name: 'Initech ACME reseller' }),
      ],
    })

    const found = await caller.accounts.list.query({ search: 'acme' })
    expect(found.rows.map((row) => row.accountId)).toEqual(['acme', 'init'])
    expect(found.total).toBe(2)
    expect(found.rows[0]).toMatchObject({
      name: 'Acme Corp',
      joinDate: 1598907978483,
      isActive: true,
    })

    const page = await caller.accounts.list.query({ page: 1, pageSize: 2 })
    expect(page.rows.map((row) => row.accountId)).toEqual(['init'])
    expect(page.total).toBe(3)
  })

  it('hides deactivated accounts unless asked', async () => {
    const { key } = await orgWithKey()
    const caller = keyClient(key)
    await caller.accounts.upsert.mutate({ records: [account('a1'), account('a2')] })
    await caller.accounts.deactivate.mutate({ accountId: 'a2' })

    expect((await caller.accounts.list.query({})).total).toBe(1)
    expect((await caller.accounts.list.query({ includeInactive: true })).total).toBe(2)
  })

  it('returns an account with its users and contacts', async () => {
    const { key } = await orgWithKey()
    const caller = keyClient(key)
    await caller.accounts.upsert.mutate({ records: [account('a1')] })
    await caller.accountUsers.upsert.mutate({ records: [{ user_id: 'u1', account_id: 'a1' }] })
    await caller.accountContacts.upsert.mutate({
      records: [{ user_id: 'c1', account_id: 'a1', is_primary: true }],
    })

    const detail = await caller.accounts.get.query({ accountId: 'a1' })

    expect(detail.account).toMatchObject({ account_id: 'a1', is_active: true })
    expect(detail.users).toEqual([{ user_id: 'u1', account_id: 'a1', is_active: true }])
    expect(detail.contacts).toEqual([
      { user_id: 'c1', account_id: 'a1', is_active: true, is_primary: true },
    ])
  })

  it('updates through the same validation as REST', async () => {
    const { key } = await orgWithKey()
    const caller = keyClient(key)
    await caller.accounts.upsert.mutate({ records: [account('a1')] })

    const bad = await caller.accounts.update.mutate({
      accountId: 'a1',
      data: { join_date: '2020' },
    })
    const good = await caller.accounts.update.mutate({ accountId: 'a1', data: { tier: 'Gold' } })

    expect(bad.status_is_ok).toBe(false)
    expect(bad.message).toMatch(/^Invalid type for property: join_date \(expecting timestamp/)
    expect(good.results?.[0]).toMatchObject({ tier: 'Gold' })
  })

  it('records calls with source trpc', async () => {
    const { orgId, key, prefix } = await orgWithKey()
    const caller = keyClient(key)
    await caller.accounts.upsert.mutate({ records: [account('a1'), { account_id: 'a2' }] })

    const entry = await waitForLogEntry(orgId, { source: 'trpc' })
    expect(entry).toMatchObject({
      source: 'trpc',
      api: 'accounts',
      path: '/api/trpc/accounts.upsert',
      keyPrefix: prefix,
      outcome: 'Partial',
      recordsSent: 2,
    })
    expect(entry?.failedRecords.map((failure) => failure.index)).toEqual([1])
  })

  it('records input the schema rejects', async () => {
    const { orgId, key } = await orgWithKey()
    const caller = keyClient(key)

    expect(await rejectionCode(caller.accounts.upsert.mutate({ records: [] }))).toBe('BAD_REQUEST')

    const entry = await waitForLogEntry(orgId, { source: 'trpc' })
    expect(entry).toMatchObject({
      path: '/api/trpc/accounts.upsert',
      outcome: 'Failure',
      httpStatus: 400,
    })
    expect(entry?.message).toMatch(/^Invalid input: .*records/s)
  })
})
