import { TRPCError } from '@trpc/server'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { callTrpc, createOrg, createSignedInUser, db } from '../../test/fixtures'
import { hashSecret } from '../lib/hash'
import { eventSourceKeys } from './events.schema'
import { consoleCaller, createSource, eventually, statusEntries, usageEvent } from './test-helpers'

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work
    return 'OK'
  } catch (error) {
    return error instanceof TRPCError ? error.code : String(error)
  }
}

describe('eventSources procedures', () => {
  it('creates a source and shows the auth key once', async () => {
    const org = await createOrg()
    const admin = await consoleCaller(org.id, 'admin')
    const created = await admin.eventSources.create({ name: ' Web app ' })

    expect(created.authKey).toMatch(/^sye_[a-z2-7]{32}$/)
    expect(created.source).toMatchObject({ name: 'Web app', keys: [{ status: 'active' }] })
    expect(created.source.sendKey).toMatch(/^send_/)
    const [stored] = await db()
      .select()
      .from(eventSourceKeys)
      .where(eq(eventSourceKeys.sourceId, created.source.id))
    expect(stored?.keyHash).toBe(hashSecret(created.authKey))
    expect(stored?.prefix).toBe(created.authKey.slice(0, 8))

    const listed = await (await consoleCaller(org.id, 'viewer')).eventSources.list()
    expect(listed).toHaveLength(1)
    expect(JSON.stringify(listed)).not.toContain(created.authKey)
  })

  it('rolls a key with a grace period and revokes keys', async () => {
    const org = await createOrg()
    const admin = await consoleCaller(org.id)
    const created = await admin.eventSources.create({ name: 'Web app' })
    const oldKeyId = created.source.keys[0]!.id
    const rolled = await admin.eventSources.rollKey({ id: oldKeyId, graceSeconds: 600 })

    let [source] = await admin.eventSources.list()
    expect(source?.keys.map((key) => [key.id, key.status])).toEqual([
      [rolled.key.id, 'active'],
      [oldKeyId, 'expiring'],
    ])
    expect(await codeOf(admin.eventSources.rollKey({ id: oldKeyId, graceSeconds: 0 }))).toBe(
      'CONFLICT',
    )

    await admin.eventSources.revokeKey({ id: rolled.key.id })
    ;[source] = await admin.eventSources.list()
    expect(source?.keys[0]?.status).toBe('revoked')
  })

  it('rejects a grace period over 7 days', async () => {
    const org = await createOrg()
    const admin = await consoleCaller(org.id)
    const created = await admin.eventSources.create({ name: 'Web app' })
    const id = created.source.keys[0]!.id

    expect(await codeOf(admin.eventSources.rollKey({ id, graceSeconds: 604_801 }))).toBe(
      'BAD_REQUEST',
    )
    expect(await codeOf(admin.eventSources.rollKey({ id, graceSeconds: -1 }))).toBe('BAD_REQUEST')
  })

  it('lets only admins change sources', async () => {
    const org = await createOrg()
    const created = await (await consoleCaller(org.id)).eventSources.create({ name: 'Web app' })
    const id = created.source.keys[0]!.id

    for (const role of ['viewer', 'data_manager'] as const) {
      const caller = await consoleCaller(org.id, role)
      expect(await codeOf(caller.eventSources.create({ name: 'x' }))).toBe('FORBIDDEN')
      expect(await codeOf(caller.eventSources.rollKey({ id, graceSeconds: 0 }))).toBe('FORBIDDEN')
      expect(await codeOf(caller.eventSources.revokeKey({ id }))).toBe('FORBIDDEN')
    }
  })

  it('keeps sources of other orgs out of reach', async () => {
    const first = await createOrg()
    const second = await createOrg()
    const created = await (await consoleCaller(first.id)).eventSources.create({ name: 'Web app' })
    const id = created.source.keys[0]!.id
    const intruder = await consoleCaller(second.id)

    expect(await intruder.eventSources.list()).toEqual([])
    expect(await codeOf(intruder.eventSources.rollKey({ id, graceSeconds: 0 }))).toBe('NOT_FOUND')
    expect(await codeOf(intruder.eventSources.revokeKey({ id }))).toBe('NOT_FOUND')
    const [source] = await (await consoleCaller(first.id)).eventSources.list()
    expect(source?.keys.map((key) => key.status)).toEqual(['active'])
  })
})

describe('events.ingest procedure', () => {
  it('accepts events by the same rules as the REST route', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const caller = await consoleCaller(org.id, 'viewer')
    const result = await caller.events.ingest({
      authKey: source.authKey,
      apiKey: source.sendKey,
      events: [usageEvent(), usageEvent({ created_at: 5 })],
    })

    expect(result).toEqual({
      status_is_ok: true,
      accepted: 1,
      rejected: [{ line: 2, message: expect.stringContaining('looks like seconds') }],
    })
  })

  it('rejects a wrong key pair as UNAUTHORIZED', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const caller = await consoleCaller(org.id)
    const work = caller.events.ingest({ authKey: 'sye_x', apiKey: source.sendKey, events: [] })

    expect(await codeOf(work)).toBe('UNAUTHORIZED')
  })

  it('rejects more than 1000 events', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const events = Array(1001).fill(usageEvent())
    const work = (await consoleCaller(org.id)).events.ingest({
      authKey: source.authKey,
      apiKey: source.sendKey,
      events,
    })

    expect(await codeOf(work)).toBe('PAYLOAD_TOO_LARGE')
  })

  it('records the call as a tRPC entry', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    await (
      await consoleCaller(org.id)
    ).events.ingest({
      authKey: source.authKey,
      apiKey: source.sendKey,
      events: [usageEvent()],
    })

    const [entry] = await statusEntries(org.id, 1)
    expect(entry).toMatchObject({ api: 'events', source: 'trpc', path: 'events.ingest' })
  })
})

describe('usage procedures', () => {
  it('reads an account usage from rollups, scoped to the org', async () => {
    const org = await createOrg()
    const other = await createOrg()
    const source = await createSource(org.id)
    await (
      await consoleCaller(org.id)
    ).events.ingest({
      authKey: source.authKey,
      apiKey: source.sendKey,
      events: [usageEvent(), usageEvent({ user_id: 'user_2', feature: 'share' })],
    })

    const viewer = await consoleCaller(org.id, 'viewer')
    const usage = await eventually(
      () => viewer.usage.account({ accountId: 'acc_1', days: 7 }),
      (value) => value.days.length > 0,
    )
    expect(usage.days.at(-1)).toMatchObject({ events: 2, activeUsers: 2 })
    expect(usage.topFeatures.map((feature) => feature.feature).sort()).toEqual(['export', 'share'])
    const unknown = await (await consoleCaller(org.id)).usage.unknownAccounts({ days: 7 })
    expect(unknown).toEqual([{ accountId: 'acc_1', events: 2 }])

    const foreign = await (
      await consoleCaller(other.id)
    ).usage.account({ accountId: 'acc_1', days: 7 })
    expect(foreign.days).toEqual([])
    expect(await (await consoleCaller(other.id)).usage.unknownAccounts({ days: 7 })).toEqual([])
  })
})

describe('eventSources over HTTP', () => {
  it('lists only the session org sources', async () => {
    const first = await createOrg()
    const second = await createOrg()
    await (await consoleCaller(first.id)).eventSources.create({ name: 'Web app' })
    const viewer = await createSignedInUser(second.id, 'viewer')

    const response = await callTrpc('query', 'eventSources.list', undefined, viewer.headers)
    expect(response.status).toBe(200)
    expect(response.data).toEqual([])
  })

  it('rejects a create without a session', async () => {
    const response = await callTrpc('mutation', 'eventSources.create', { name: 'Web app' })
    expect(response.error?.code).toBe('UNAUTHORIZED')
  })
})
