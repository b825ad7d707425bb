import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { createOrg, db } from '../../test/fixtures'
import { createId } from '../lib/ids'
import { orgs } from '../orgs/orgs.schema'
import { handleQueueBatch } from '../queue'
import { deadLetterKey } from './events.dead-letter'
import type { EventsBatchMessage } from './events.queue'
import { events, usageDaily } from './events.schema'
import { consoleCaller, eventually, usageEvent } from './test-helpers'

const lines = [
  JSON.stringify(usageEvent({ user_id: 'u1', feature: 'export' })),
  JSON.stringify(usageEvent({ user_id: 'u2', feature: 'share' })),
  JSON.stringify(usageEvent({ user_id: 'u2', action: 'sessionIdle', feature: undefined })),
]

function message(orgId: string): EventsBatchMessage {
  return { type: 'events.batch', orgId, sourceId: 'src_dlq', receivedAt: Date.now(), lines }
}

async function deliver(queue: string, id: string, body: EventsBatchMessage) {
  const batch = createMessageBatch<unknown>(queue, [
    { id, timestamp: Date.now(), attempts: 1, body },
  ])
  const ctx = createExecutionContext()
  await handleQueueBatch(batch, env, ctx)
  return getQueueResult(batch, ctx)
}

/**
 * Sends a message for an org that has no row yet, so the events' foreign key fails on every
 * attempt, then hands it to the dead-letter queue as Queues does after the last retry.
 */
async function deadLetterForNewOrg() {
  const orgId = createId('org')
  const messageId = createId('msg')
  const failed = await deliver('switchyard-events', messageId, message(orgId))
  const dead = await deliver('switchyard-jobs-dlq', messageId, message(orgId))
  await db()
    .insert(orgs)
    .values({ id: orgId, name: 'Late org', bccToken: createId('bcc'), createdAt: Date.now() })
  return { orgId, messageId, failed, dead }
}

async function storedEvents(orgId: string) {
  return db().select().from(events).where(eq(events.orgId, orgId))
}

async function dailyTotals(orgId: string) {
  return db()
    .select()
    .from(usageDaily)
    .where(eq(usageDaily.orgId, orgId))
    .orderBy(usageDaily.userId, usageDaily.bucketStart, usageDaily.feature, usageDaily.module)
}

describe('events dead-letter storage', () => {
  it('keeps a failing message in R2', async () => {
    const { orgId, messageId, failed, dead } = await deadLetterForNewOrg()

    expect(failed.retryMessages.map((retry) => retry.msgId)).toEqual([messageId])
    expect(failed.explicitAcks).toEqual([])
    expect(dead.explicitAcks).toEqual([messageId])
    expect(dead.retryMessages).toEqual([])

    const object = await env.UPLOADS.get(deadLetterKey(orgId, new Date(), messageId))
    expect(object).not.toBeNull()
    const body = await object!.json<EventsBatchMessage>()
    expect(body.orgId).toBe(orgId)
    expect(body.lines).toEqual(lines)
    expect(object!.customMetadata).toEqual({ orgId, sourceId: 'src_dlq', events: '3' })
  })

  it('reports the count to the console', async () => {
    const { orgId } = await deadLetterForNewOrg()
    const caller = await consoleCaller(orgId, 'viewer')

    expect(await caller.usage.deadLetters()).toEqual({ messages: 1, events: 3 })
  })

  it('replays stored events once', async () => {
    const { orgId, messageId } = await deadLetterForNewOrg()
    const caller = await consoleCaller(orgId, 'admin')

    const replay = await caller.events.replayDeadLetters()
    expect(replay).toEqual({
      replayedMessages: 1,
      replayedEvents: 3,
      remaining: { messages: 0, events: 0 },
    })
    expect(await env.UPLOADS.get(deadLetterKey(orgId, new Date(), messageId))).toBeNull()
    const stored = await eventually(
      () => storedEvents(orgId),
      (rows) => rows.length === 3,
    )
    expect(stored.map((row) => row.userId).sort()).toEqual(['u1', 'u2', 'u2'])
  })

  it('does not double-count replayed events', async () => {
    const org = await createOrg()
    await deliver('switchyard-events', createId('msg'), message(org.id))
    const before = await dailyTotals(org.id)
    expect(before.find((row) => row.userId === '*' && row.feature === '')?.eventCount).toBe(3)

    // The same events, plus one new, dead-lettered from a delivery whose ack was lost.
    const extra = JSON.stringify(usageEvent({ user_id: 'u3', feature: 'print' }))
    const resent = { ...message(org.id), lines: [...lines, extra] }
    await deliver('switchyard-jobs-dlq', createId('msg'), resent)
    const caller = await consoleCaller(org.id, 'admin')
    expect((await caller.events.replayDeadLetters()).replayedEvents).toBe(4)
    await eventually(
      () => storedEvents(org.id),
      (rows) => rows.length === 4,
    )

    const after = await dailyTotals(org.id)
    expect(after.find((row) => row.userId === '*' && row.feature === '')?.eventCount).toBe(4)
    expect(after.find((row) => row.userId === 'u1' && row.feature === '')?.eventCount).toBe(1)
    expect(after.find((row) => row.userId === 'u2' && row.feature === '')?.eventCount).toBe(2)
  })

  it('keeps orgs apart', async () => {
    const { orgId, messageId } = await deadLetterForNewOrg()
    const other = await createOrg()
    const caller = await consoleCaller(other.id, 'admin')

    expect(await caller.usage.deadLetters()).toEqual({ messages: 0, events: 0 })
    expect((await caller.events.replayDeadLetters()).replayedMessages).toBe(0)
    expect(await env.UPLOADS.get(deadLetterKey(orgId, new Date(), messageId))).not.toBeNull()
  })

  it('lets only admins replay', async () => {
    const { orgId } = await deadLetterForNewOrg()
    const caller = await consoleCaller(orgId, 'viewer')

    await expect(caller.events.replayDeadLetters()).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })
})
