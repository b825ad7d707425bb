import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { createOrg, db } from '../../test/fixtures'
import { accounts } from '../accounts/accounts.schema'
import { handleQueueBatch } from '../queue'
import { groupByOrg } from './events.consumer'
import { events, usageDaily, usageHourly } from './events.schema'
import type { EventsBatchMessage } from './events.queue'
import { DAY_MS, HOUR_MS } from './usage.rollup'
import { accountUsage, unknownAccounts } from './usage.service'

const MINUTE = 60_000
const todayStart = Date.now() - (Date.now() % DAY_MS)
/** 10:00 UTC yesterday: inside the accepted window and a whole hour bucket. */
const t0 = todayStart - DAY_MS + 10 * HOUR_MS

function line(user: string, session: string, minutes: number, fields: Record<string, unknown>) {
  return JSON.stringify({
    account_id: 'acc_1',
    user_id: user,
    created_at: t0 + minutes * MINUTE,
    session_id: session,
    ...fields,
  })
}

const u1 = [
  line('u1', 's1', 0, { action: 'feature', feature: 'export', module: 'reports' }),
  line('u1', 's1', 10, { action: 'feature', feature: 'export', module: 'reports' }),
  line('u1', 's1', 25, { action: 'moduleEnd', module: 'reports', time_spent: 900 }),
  // 31 minutes after the previous event: a new session, so no session time.
  line('u1', 's1', 56, { action: 'feature', feature: 'share' }),
  // 14 minutes later, in the next hour.
  line('u1', 's1', 70, { action: 'sessionIdle' }),
]
const u2 = [
  line('u2', 's2', 5, { action: 'feature', feature: 'export', module: 'reports' }),
  // Exactly 30 minutes later: still the same session.
  line('u2', 's2', 35, { action: 'sessionIdle' }),
]

function message(orgId: string, lines: string[]): EventsBatchMessage {
  return { type: 'events.batch', orgId, sourceId: 'src_test', receivedAt: Date.now(), lines }
}

async function deliver(...bodies: EventsBatchMessage[]) {
  const batch = createMessageBatch<unknown>(
    'switchyard-events',
    bodies.map((body, index) => ({ id: `msg_${index}`, timestamp: Date.now(), attempts: 1, body })),
  )
  const ctx = createExecutionContext()
  await handleQueueBatch(batch, env, ctx)
  return getQueueResult(batch, ctx)
}

async function rollupRows(orgId: string) {
  const hourly = await db()
    .select()
    .from(usageHourly)
    .where(eq(usageHourly.orgId, orgId))
    .orderBy(usageHourly.userId, usageHourly.bucketStart, usageHourly.feature, usageHourly.module)
  const daily = await db()
    .select()
    .from(usageDaily)
    .where(eq(usageDaily.orgId, orgId))
    .orderBy(usageDaily.userId, usageDaily.bucketStart, usageDaily.feature, usageDaily.module)
  return { hourly, daily }
}

function total(rows: (typeof usageDaily.$inferSelect)[], userId: string, bucketStart: number) {
  return rows.find(
    (row) =>
      row.userId === userId &&
      row.bucketStart === bucketStart &&
      row.feature === '' &&
      row.module === '',
  )
}

describe('handleEventMessages', () => {
  it('stores events and acks each message', async () => {
    const org = await createOrg()
    const result = await deliver(message(org.id, u1), message(org.id, u2))

    expect(result.explicitAcks.sort()).toEqual(['msg_0', 'msg_1'])
    expect(result.retryMessages).toEqual([])
    const stored = await db().select().from(events).where(eq(events.orgId, org.id))
    expect(stored).toHaveLength(7)
    expect(stored.find((row) => row.action === 'moduleEnd')?.payload).toMatchObject({
      time_spent: 900,
    })
  })

  it('stores messages of one org together, each with its own source and receive time', async () => {
    const org = await createOrg()
    const now = Date.now()
    const first = { ...message(org.id, u1), sourceId: 'src_a', receivedAt: now - 1_000 }
    const second = { ...message(org.id, u2), sourceId: 'src_b', receivedAt: now }
    const result = await deliver(first, second)

    expect(result.explicitAcks.sort()).toEqual(['msg_0', 'msg_1'])
    const stored = await db().select().from(events).where(eq(events.orgId, org.id))
    const byUser = (user: string) => stored.filter((row) => row.userId === user)
    expect(byUser('u1').map((row) => [row.sourceId, row.receivedAt])).toEqual(
      u1.map(() => ['src_a', now - 1_000]),
    )
    expect(byUser('u2').map((row) => [row.sourceId, row.receivedAt])).toEqual(
      u2.map(() => ['src_b', now]),
    )
  })

  it('acks the other messages of a delivery when one of them fails', async () => {
    const org = await createOrg()
    const result = await deliver(
      message(org.id, u1),
      message('org_missing', u2),
      message(org.id, u2),
    )

    expect(result.explicitAcks.sort()).toEqual(['msg_0', 'msg_2'])
    expect(result.retryMessages.map((retry) => retry.msgId)).toEqual(['msg_1'])
    const stored = await db().select().from(events).where(eq(events.orgId, org.id))
    expect(stored).toHaveLength(7)
  })

  it('groups messages by org within the size budget', () => {
    const big = 'x'.repeat(150_000)
    const item = (id: string, orgId: string, lines: string[]) => ({
      id,
      body: { ...message(orgId, lines) },
    })
    const groups = groupByOrg([
      item('a1', 'org_a', [big]),
      item('b1', 'org_b', ['{}']),
      item('a2', 'org_a', [big]),
      item('a3', 'org_a', [big]),
      item('b2', 'org_b', ['{}']),
    ])
    expect(groups.map((group) => group.map((entry) => entry.id))).toEqual([
      ['a1', 'a2'],
      ['b1', 'b2'],
      ['a3'],
    ])
  })

  it('computes hourly rollups by hand-checked values', async () => {
    const org = await createOrg()
    await deliver(message(org.id, [...u1, ...u2]))
    const { hourly } = await rollupRows(org.id)

    // u1 in hour 10: gaps 10 + 15 minutes; the 31-minute gap adds nothing.
    expect(total(hourly, 'u1', t0)).toMatchObject({ eventCount: 4, sessionMs: 25 * MINUTE })
    expect(total(hourly, 'u1', t0 + HOUR_MS)).toMatchObject({
      eventCount: 1,
      sessionMs: 14 * MINUTE,
    })
    expect(total(hourly, 'u2', t0)).toMatchObject({ eventCount: 2, sessionMs: 30 * MINUTE })
    expect(total(hourly, '*', t0)).toMatchObject({
      eventCount: 6,
      activeUsers: 2,
      sessionMs: 55 * MINUTE,
    })
    expect(total(hourly, '*', t0 + HOUR_MS)).toMatchObject({ eventCount: 1, activeUsers: 1 })
  })

  it('computes daily rollups and feature counts', async () => {
    const org = await createOrg()
    await deliver(message(org.id, [...u1, ...u2]))
    const { daily } = await rollupRows(org.id)
    const day = t0 - 10 * HOUR_MS

    expect(total(daily, 'u1', day)).toMatchObject({ eventCount: 5, sessionMs: 39 * MINUTE })
    expect(total(daily, '*', day)).toMatchObject({
      eventCount: 7,
      activeUsers: 2,
      sessionMs: 69 * MINUTE,
    })
    const accountFeatures = daily
      .filter((row) => row.userId === '*' && (row.feature !== '' || row.module !== ''))
      .map((row) => [row.feature, row.module, row.eventCount, row.activeUsers])
    expect(accountFeatures).toEqual([
      ['', 'reports', 1, 1],
      ['export', 'reports', 3, 2],
      ['share', '', 1, 1],
    ])
  })

  it('leaves rollups unchanged on redelivery', async () => {
    const org = await createOrg()
    await deliver(message(org.id, [...u1, ...u2]))
    const first = await rollupRows(org.id)
    await deliver(message(org.id, [...u1, ...u2]))
    await deliver(message(org.id, u2))

    expect(await rollupRows(org.id)).toEqual(first)
    const stored = await db().select().from(events).where(eq(events.orgId, org.id))
    expect(stored).toHaveLength(7)
  })

  it('gives the same rollups for out-of-order delivery', async () => {
    const inOrder = await createOrg()
    await deliver(message(inOrder.id, [...u1, ...u2]))
    const shuffled = await createOrg()
    await deliver(message(shuffled.id, [u1[4]!, u2[1]!]))
    await deliver(message(shuffled.id, [u1[0]!, u1[2]!]))
    await deliver(message(shuffled.id, [u1[3]!, u1[1]!, u2[0]!]))

    const strip = (rows: { orgId: string }[]) => rows.map((row) => ({ ...row, orgId: '' }))
    const expected = await rollupRows(inOrder.id)
    const actual = await rollupRows(shuffled.id)
    expect(strip(actual.hourly)).toEqual(strip(expected.hourly))
    expect(strip(actual.daily)).toEqual(strip(expected.daily))
  })

  it('corrects session time when a late event splits a gap', async () => {
    const org = await createOrg()
    const at = (minutes: number) => line('u1', 's1', minutes, { action: 'sessionIdle' })
    // 0 and 40 minutes: a 40-minute gap, so no session time yet.
    await deliver(message(org.id, [at(0), at(40)]))
    expect(total((await rollupRows(org.id)).hourly, 'u1', t0)?.sessionMs).toBe(0)

    // A late event at 20 minutes makes two 20-minute gaps.
    await deliver(message(org.id, [at(20)]))
    expect(total((await rollupRows(org.id)).hourly, 'u1', t0)?.sessionMs).toBe(40 * MINUTE)

    // A late event at 10 minutes replaces the 0→20 gap with 0→10 and 10→20: unchanged time.
    await deliver(message(org.id, [at(10)]))
    const { hourly, daily } = await rollupRows(org.id)
    expect(total(hourly, 'u1', t0)).toMatchObject({ eventCount: 4, sessionMs: 40 * MINUTE })
    expect(total(daily, '*', t0 - 10 * HOUR_MS)).toMatchObject({
      eventCount: 4,
      activeUsers: 1,
      sessionMs: 40 * MINUTE,
    })
  })

  it('corrects the next day when a late event splits a gap across midnight', async () => {
    const org = await createOrg()
    // t0 is 10:00, so 825 minutes later is 23:45 and 850 minutes is 00:10 the next day.
    const at = (minutes: number) => line('u1', 's1', minutes, { action: 'sessionIdle' })
    const day = t0 - 10 * HOUR_MS
    await deliver(message(org.id, [at(825), at(850)]))
    let daily = (await rollupRows(org.id)).daily
    expect(total(daily, 'u1', day)?.sessionMs).toBe(0)
    expect(total(daily, 'u1', day + DAY_MS)?.sessionMs).toBe(25 * MINUTE)

    // A late event at 23:55 leaves 10 minutes on the first day and 15 on the next.
    await deliver(message(org.id, [at(835)]))
    daily = (await rollupRows(org.id)).daily
    expect(total(daily, 'u1', day)).toMatchObject({ eventCount: 2, sessionMs: 10 * MINUTE })
    expect(total(daily, 'u1', day + DAY_MS)).toMatchObject({
      eventCount: 1,
      sessionMs: 15 * MINUTE,
    })
    expect(total(daily, '*', day + DAY_MS)).toMatchObject({ eventCount: 1, sessionMs: 15 * MINUTE })
  })

  it('counts events with equal timestamps once each', async () => {
    const org = await createOrg()
    const first = line('u1', 's1', 0, { action: 'feature', feature: 'a' })
    const second = line('u1', 's1', 0, { action: 'feature', feature: 'b' })
    await deliver(message(org.id, [first]))
    await deliver(message(org.id, [second, first]))

    const { hourly } = await rollupRows(org.id)
    expect(total(hourly, 'u1', t0)).toMatchObject({ eventCount: 2, sessionMs: 0 })
  })

  it('keeps events of unknown accounts and reports them', async () => {
    const org = await createOrg()
    const now = Date.now()
    await db().insert(accounts).values({
      orgId: org.id,
      accountId: 'acc_1',
      name: 'Known',
      joinDate: now,
      data: {},
      createdAt: now,
      updatedAt: now,
    })
    const stranger = JSON.stringify({
      account_id: 'acc_stranger',
      user_id: 'u9',
      created_at: t0,
      session_id: 's9',
      action: 'sessionIdle',
    })
    await deliver(message(org.id, [...u2, stranger]))

    const kept = await db()
      .select()
      .from(events)
      .where(and(eq(events.orgId, org.id), eq(events.accountId, 'acc_stranger')))
    expect(kept).toHaveLength(1)
    expect(await unknownAccounts(db(), org.id, 7)).toEqual([
      { accountId: 'acc_stranger', events: 1 },
    ])
    expect((await accountUsage(db(), org.id, 'acc_stranger', 7)).accountKnown).toBe(false)
    expect((await accountUsage(db(), org.id, 'acc_1', 7)).accountKnown).toBe(true)
  })

  it('retries a message when D1 rejects it', async () => {
    // No org row exists, so the events' foreign key fails.
    const result = await deliver(message('org_missing', u2))

    expect(result.explicitAcks).toEqual([])
    expect(result.retryMessages.map((retry) => retry.msgId)).toEqual(['msg_0'])
  })

  it('keeps orgs apart for one account id', async () => {
    const first = await createOrg()
    const second = await createOrg()
    await deliver(message(first.id, u1), message(second.id, u2))

    const usage = await accountUsage(db(), second.id, 'acc_1', 7)
    expect(usage.days.map((day) => [day.events, day.activeUsers])).toEqual([[2, 1]])
    expect(usage.topFeatures).toEqual([
      { feature: 'export', module: 'reports', events: 1, users: 1 },
    ])
  })
})
