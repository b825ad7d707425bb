import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { createOrg, db } from '../../test/fixtures'
import { createId } from '../lib/ids'
import { statusLogFor } from '../status-log/status-log.client'
import { events } from './events.schema'
import {
  consoleCaller,
  deliverMessages,
  eventsMessage,
  eventually,
  queuedCall,
  unavailableStatusLog,
} from './test-helpers'

describe('dead-letter replay of a message whose entry was never logged', () => {
  it('still logs the request once', async () => {
    const org = await createOrg()
    const body = eventsMessage(org.id, queuedCall({ requestId: 'req_unlogged' }))
    const messageId = createId('msg')

    // The log fails on the delivery, so the consumer retries the message. After the last retry,
    // Queues hands it to the dead-letter queue, whose consumer logs the entry, now that the log
    // works, and keeps the events in R2.
    const failed = await deliverMessages('switchyard-events', [{ id: messageId, body }], {
      ...env,
      STATUS_LOG: unavailableStatusLog,
    })
    expect(failed.retryMessages.map((retry) => retry.msgId)).toEqual([messageId])
    const dead = await deliverMessages('switchyard-jobs-dlq', [{ id: messageId, body }])
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
