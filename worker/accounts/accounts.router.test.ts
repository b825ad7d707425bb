import { TRPCError } from '@trpc/server'
import { describe, expect, it } from 'vitest'

import { account, keyCaller, orgWithKey, sessionCaller, waitForLogEntry } from './accounts.testing'

async function codeOf(promise: Promise<unknown>) {
  const error = await promise.catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(TRPCError)
  return (error as TRPCError).code
}

describe('accounts router roles', () => {
  it('lets a viewer read but not write', async () => {
    const { orgId } = await orgWithKey()
    const viewer = await sessionCaller(orgId, 'viewer')

    expect((await viewer.accounts.list({})).total).toBe(0)
    expect(await codeOf(viewer.accounts.upsert({ records: [account('a1')] }))).toBe('FORBIDDEN')
    expect(await codeOf(viewer.accounts.update({ accountId: 'a1', data: {} }))).toBe('FORBIDDEN')
    expect(await codeOf(viewer.accounts.deactivate({ accountId: 'a1' }))).toBe('FORBIDDEN')
    expect(await codeOf(viewer.accountUsers.upsert({ records: [{}] }))).toBe('FORBIDDEN')
    expect(await codeOf(viewer.accountContacts.deactivate({ userId: 'u1' }))).toBe('FORBIDDEN')
  })

  it('lets a data manager and an API key write', async () => {
    const { orgId } = await orgWithKey()
    const manager = await sessionCaller(orgId, 'data_manager')
    const key = keyCaller(orgId)

    const byManager = await manager.accounts.upsert({ records: [account('a1')] })
    const byKey = await key.accounts.upsert({ records: [account('a2')] })

    expect(byManager).toMatchObject({ status_is_ok: true, failed_results: [] })
    expect(byKey).toMatchObject({ status_is_ok: true, failed_results: [] })
    expect((await manager.accounts.list({})).total).toBe(2)
  })
})

describe('accounts router', () => {
  it('lists for the console with search and paging', async () => {
    const { orgId } = await orgWithKey()
    const caller = keyCaller(orgId)
    await caller.accounts.upsert({
      records: [
        account('acme', { name: 'Acme Corp' }),
        account('globex', { name: 'Globex' }),
        account('init', { name: 'Initech ACME reseller' }),
      ],
    })

    const found = await caller.accounts.list({ search: 'acme' })
    expect(found.rows.map((row) => row.accountId)).toEqual(['acme', 'init'])
    expect(found.total).toBe(2)
    expect(found.rows[0]).toMatchObject({
      name: 'Acme Corp',
      joinDate: 1598907978483,
      isActive: true,
    })

    const page = await caller.accounts.list({ page: 1, pageSize: 2 })
    expect(page.rows.map((row) => row.accountId)).toEqual(['init'])
    expect(page.total).toBe(3)
  })

  it('hides deactivated accounts unless asked', async () => {
    const { orgId } = await orgWithKey()
    const caller = keyCaller(orgId)
    await caller.accounts.upsert({ records: [account('a1'), account('a2')] })
    await caller.accounts.deactivate({ accountId: 'a2' })

    expect((await caller.accounts.list({})).total).toBe(1)
    expect((await caller.accounts.list({ includeInactive: true })).total).toBe(2)
  })

  it('returns an account with its users and contacts', async () => {
    const { orgId } = await orgWithKey()
    const caller = keyCaller(orgId)
    await caller.accounts.upsert({ records: [account('a1')] })
    await caller.accountUsers.upsert({ records: [{ user_id: 'u1', account_id: 'a1' }] })
    await caller.accountContacts.upsert({
      records: [{ user_id: 'c1', account_id: 'a1', is_primary: true }],
    })

    const detail = await caller.accounts.get({ accountId: 'a1' })

    expect(detail.account).toMatchObject({ account_id: 'a1', is_active: true })
    expect(detail.users).toEqual([{ user_id: 'u1', account_id: 'a1', is_active: true }])
    expect(detail.contacts).toEqual([
      { user_id: 'c1', account_id: 'a1', is_active: true, is_primary: true },
    ])
  })

  it('updates through the same validation as REST', async () => {
    const { orgId } = await orgWithKey()
    const caller = keyCaller(orgId)
    await caller.accounts.upsert({ records: [account('a1')] })

    const bad = await caller.accounts.update({ accountId: 'a1', data: { join_date: '2020' } })
    const good = await caller.accounts.update({ accountId: 'a1', data: { tier: 'Gold' } })

    expect(bad.status_is_ok).toBe(false)
    expect(bad.message).toMatch(/^Invalid type for property: join_date \(expecting timestamp/)
    expect(good.results?.[0]).toMatchObject({ tier: 'Gold' })
  })

  it('records calls with source trpc', async () => {
    const { orgId } = await orgWithKey()
    const caller = keyCaller(orgId, 'sya_abcd')
    await caller.accounts.upsert({ records: [account('a1'), { account_id: 'a2' }] })

    const entry = await waitForLogEntry(orgId, { source: 'trpc' })
    expect(entry).toMatchObject({
      source: 'trpc',
      api: 'accounts',
      path: '/api/trpc/accounts.upsert',
      keyPrefix: 'sya_abcd',
      outcome: 'Partial',
      recordsSent: 2,
    })
    expect(entry?.failedRecords.map((failure) => failure.index)).toEqual([1])
  })
})
