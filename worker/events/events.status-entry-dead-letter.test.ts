import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { createOrg, db } from '../../test/fixtures'
import type { Env } from '../env'
import { createId } from '../lib/ids'
import { handleQueueBatch } from '../queue'
import { statusLogFor } from '../status-log/status-log.client'
import type { QueuedCallRecord } from '../status-log/status-log.types'
import type { EventsBatchMessage } from './events.queue'
import { events } from './events.schema'
import { consoleCaller, eventually, usageEvent } from './test-helpers'

async function deliver(queue: string, id: string, body: EventsBatchMessage, useEnv: Env = env) {
  const batch = createMessageBatch<unknown>(queue, [
    { id, timestamp: Date.now(), attempts: 1, body },
  ])
  const ctx = createExecutionContext()
  await handleQueueBatch(batch, useEnv, ctx)
  return getQueueResult(batch, ctx)
}

/** A status log whose every append fails, as during a Durable Object outage. */
const unavailableLog = {
  idFromName: (name: string) => env.STATUS_LOG.idFromName(name),
  get: () => ({ appendQueued: () => Promise.reject(new Error('status log unavailable')) }),
} as unknown as Env['STATUS_LOG']

describe('dead-letter replay of a message whose entry was never logged', () => {
  it('still logs the request once', async () => {
    const org = await createOrg()
    const call: QueuedCallRecord = {
      entryKey: createId('call'),
      time: Date.now(),
      requestId: 'req_unlogged',
      method: 'POST',
      path: '/v1/{authKey}/{apiKey}',
      api: 'events',
      source: 'events',
      keyPrefix: 'sye_test',
      httpStatus: 200,
      outcome: 'Success',
      recordsSent: 1,
      recordsFailed: 0,
      failedRecords: [],
      failedRecordsOmitted: 0,
      durationMs: 2,
      message: null,
    }
    const body: EventsBatchMessage = {
      type: 'events.batch',
      orgId: org.id,
      sourceId: 'src_unlogged',
      receivedAt: Date.now(),
      lines: [JSON.stringify(usageEvent())],
      call,
    }
    const messageId = createId('msg')

    // The log fails on the delivery, so the consumer retries the message. After the last retry,
    // Queues hands it to the dead-letter queue, whose consumer keeps it in R2 with its entry.
    const failed = await deliver('switchyard-events', messageId, body, {
      ...env,
      STATUS_LOG: unavailableLog,
    })
    expect(failed.retryMessages.map((retry) => retry.msgId)).toEqual([messageId])
    const dead = await deliver('switchyard-jobs-dlq', messageId, body)
    expect(dead.explicitAcks).toEqual([messageId])

    const caller = await consoleCaller(org.id, 'admin')
    expect((await caller.events.replayDeadLetters()).replayedEvents).toBe(1)
    await eventually(
      () => db().select().from(events).where(eq(events.orgId, org.id)),
      (rows) => rows.length === 1,
    )

    const entries = await statusLogFor(env, org.id).list({})
    expect(entries.map((entry) => entry.requestId)).toEqual(['req_unlogged'])
  })
})
