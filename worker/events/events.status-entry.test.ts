import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { createOrg, db } from '../../test/fixtures'
import type { Env } from '../env'
import { createId } from '../lib/ids'
import { statusLogFor, toCallRecord } from '../status-log/status-log.client'
import type { StatusLog } from '../status-log/status-log.do'
import { STATUS_LOG_CAPACITY } from '../status-log/status-log.types'
import { deadLetterKey, replayDeadLetters } from './events.dead-letter'
import type { AcceptedLine } from './events.ndjson'
import { type EventsBatchMessage, packMessages } from './events.queue'
import { events } from './events.schema'
import {
  createSource,
  deliverMessages,
  eventsMessage,
  ingestNdjson,
  queuedCall,
  statusEntries,
  unavailableStatusLog,
  usageEvent,
} from './test-helpers'

/** Delivers `bodies` from the events queue as one batch, with ids msg_0, msg_1 and so on. */
function deliver(bodies: EventsBatchMessage[], useEnv: Env = env) {
  const messages = bodies.map((body, index) => ({ id: `msg_${index}`, body }))
  return deliverMessages('switchyard-events', messages, useEnv)
}

function accepted(count: number, bytesEach = 150): AcceptedLine[] {
  const text = 'x'.repeat(bytesEach)
  return Array.from({ length: count }, (_, index) => ({ line: index + 1, text, bytes: bytesEach }))
}

describe('packing a request with its status entry', () => {
  const base = { orgId: 'org_1', sourceId: 'src_1', receivedAt: 1 }

  it('puts the entry on the last message of the request', () => {
    const call = queuedCall()
    const messages = packMessages({ ...base, lines: accepted(1000), call })
    expect(messages.length).toBeGreaterThan(1)
    expect(messages.at(-1)?.body.call).toEqual(call)
    expect(messages.slice(0, -1).every((message) => message.body.call === undefined)).toBe(true)
  })

  it('gives the entry its own message when full', () => {
    // 630 lines of 150 bytes (plus 8 bytes each) fill 99,540 of the 100,000-byte budget.
    const messages = packMessages({ ...base, lines: accepted(630), call: queuedCall() })
    expect(messages).toHaveLength(2)
    expect(messages[1]?.body.lines).toEqual([])
    expect(messages[1]?.body.call?.requestId).toBe('req_queued')
  })

  it('clips long rejected ids and messages', () => {
    const failedRecords = Array.from({ length: 150 }, (_, index) => ({
      index,
      id: `${'a'.repeat(30_000)}/u`,
      message: `account_id is too long: ${'é'.repeat(30_000)}`,
    }))
    const record = toCallRecord({
      ...queuedCall(),
      failedRecords,
      recordsFailed: 150,
      recordsSent: 151,
    })
    const messages = packMessages({
      ...base,
      lines: accepted(1),
      call: { ...record, entryKey: 'call_long' },
    })
    const call = messages.at(-1)!.body.call!
    expect(call.failedRecords).toHaveLength(100)
    expect(call.failedRecordsOmitted).toBe(50)
    expect(call.failedRecords[0]?.id).toHaveLength(200)
    expect(call.failedRecords[0]?.id?.endsWith('…')).toBe(true)
    expect(call.failedRecords[0]?.message).toHaveLength(200)
    for (const message of messages) {
      // Twice the characters bounds the serialized size, as the packing assumes.
      expect(JSON.stringify(message.body).length * 2).toBeLessThan(128_000)
    }
  })
})

describe('status entries carried by event messages', () => {
  it('logs an entry once when its message is delivered twice', async () => {
    const org = await createOrg()
    const call = queuedCall()
    const body = eventsMessage(org.id, call)
    await deliver([body])
    await deliver([body])

    const log = statusLogFor(env, org.id)
    expect(await log.count()).toBe(1)
    const [entry] = await log.list({})
    expect(entry).toMatchObject({ requestId: 'req_queued', httpStatus: 200, source: 'events' })
  })

  it('retries the messages without storing them when the log cannot be written', async () => {
    const org = await createOrg()
    const body = eventsMessage(org.id, queuedCall())
    const result = await deliver([body], { ...env, STATUS_LOG: unavailableStatusLog })

    expect(result.explicitAcks).toEqual([])
    expect(result.retryMessages.map((message) => message.msgId)).toEqual(['msg_0'])
    expect(await db().select().from(events).where(eq(events.orgId, org.id))).toEqual([])

    await deliver([body])
    expect(await db().select().from(events).where(eq(events.orgId, org.id))).toHaveLength(1)
    expect(await statusLogFor(env, org.id).count()).toBe(1)
  })

  it('forgets entry keys of entries that rolled out of the log', async () => {
    const stub = env.STATUS_LOG.get(env.STATUS_LOG.idFromName('org_queued_rollover'))
    await runInDurableObject(stub, (log: StatusLog, state) => {
      log.appendQueued(
        Array.from({ length: STATUS_LOG_CAPACITY + 3 }, (_, index) =>
          queuedCall({ entryKey: `call_${index}`, requestId: `req_${index}` }),
        ),
      )
      // A repeat of a kept entry is skipped.
      expect(log.appendQueued([queuedCall({ entryKey: `call_${STATUS_LOG_CAPACITY}` })])).toBe(0)
      const keys = state.storage.sql
        .exec<{ n: number }>('SELECT count(*) AS n FROM queued_entries')
        .one().n
      expect(keys).toBe(STATUS_LOG_CAPACITY)
    })
    expect(await stub.count()).toBe(STATUS_LOG_CAPACITY)
  })
})

describe('ingestion when the queue fails', () => {
  it('responds 503 and logs one entry for the request', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const failingQueue = {
      send: () => Promise.reject(new Error('queue unavailable')),
      sendBatch: () => Promise.reject(new Error('queue unavailable')),
    } as unknown as Queue
    const result = await ingestNdjson(source, JSON.stringify(usageEvent()), {
      env: { ...env, EVENTS: failingQueue },
      requestId: 'req_503',
    })

    expect(result.httpStatus).toBe(503)
    expect(result.body.message).toContain('retry')
    const entries = await statusEntries(org.id, 1)
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({ requestId: 'req_503', httpStatus: 503, outcome: 'Failure' })
  })
})

describe('replaying dead-lettered events', () => {
  it('logs the entry of a dead-lettered message and keeps its events without it', async () => {
    const org = await createOrg()
    const call = queuedCall({ requestId: 'req_dead' })
    const body = eventsMessage(org.id, call)
    const dead = await deliverMessages('switchyard-jobs-dlq', [{ id: 'msg_dead', body }])
    expect(dead.explicitAcks).toEqual(['msg_dead'])

    const [entry] = await statusLogFor(env, org.id).list({})
    expect(entry?.requestId).toBe('req_dead')
    const stored = await env.UPLOADS.list({ prefix: `dead-letter/events/${org.id}/` })
    const storedBody = await (await env.UPLOADS.get(
      stored.objects[0]!.key,
    ))!.json<EventsBatchMessage>()
    expect(storedBody.call).toBeUndefined()
    expect(storedBody.lines).toEqual(body.lines)
  })

  it('sends a stored entry again with its events, for the log to take', async () => {
    const org = await createOrg()
    const body = eventsMessage(org.id, queuedCall())
    await env.UPLOADS.put(deadLetterKey(org.id, new Date(), createId('msg')), JSON.stringify(body))
    const sent: unknown[] = []
    const capturingQueue = {
      send: (message: unknown) => {
        sent.push(message)
        return Promise.resolve()
      },
    } as unknown as Queue

    const outcome = await replayDeadLetters({ ...env, EVENTS: capturingQueue }, org.id)

    expect(outcome.replayedEvents).toBe(1)
    expect(sent).toEqual([body])
  })
})
