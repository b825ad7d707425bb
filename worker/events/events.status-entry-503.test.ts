import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { createOrg } from '../../test/fixtures'
import type { Env } from '../env'
import { statusLogFor } from '../status-log/status-log.client'
import { checkNdjsonBody } from './events.ndjson'
import type { EventsBatchMessage } from './events.queue'
import { ingestEvents } from './events.service'
import { createSource, deliverMessages, usageEvent } from './test-helpers'

describe('status entry of a request answered 503', () => {
  it('shows 503 when the queued copy lands first', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    // 260 lines of about 950 bytes pack into three messages. The first two go in one sendBatch,
    // which fails; the last, which carries the entry, goes alone with send, which succeeds.
    const lines = Array.from({ length: 260 }, (_, index) =>
      JSON.stringify(usageEvent({ user_id: `u${index}`, module: 'm'.repeat(800) })),
    )
    const body = lines.join('\n')
    const sent: EventsBatchMessage[] = []
    const partlyFailingQueue = {
      sendBatch: () => Promise.reject(new Error('queue unavailable')),
      send: (message: EventsBatchMessage) => {
        sent.push(message)
        return Promise.resolve()
      },
    } as unknown as Queue

    // The direct 503 write runs after the response, through waitUntil, so the consumer may append
    // the queued copy first. The write is held back here until that append is done.
    let release = () => {}
    const logReleased = new Promise<void>((resolve) => (release = resolve))
    const delayedLog = {
      idFromName: (name: string) => env.STATUS_LOG.idFromName(name),
      get: (id: DurableObjectId) => ({
        appendQueued: async (records: never, options: never) => {
          await logReleased
          return env.STATUS_LOG.get(id).appendQueued(records, options)
        },
      }),
    } as unknown as Env['STATUS_LOG']

    const waits: Promise<unknown>[] = []
    const result = await ingestEvents(
      {
        env: { ...env, EVENTS: partlyFailingQueue, STATUS_LOG: delayedLog },
        executionCtx: { waitUntil: (promise) => waits.push(promise) },
        requestId: 'req_partly_queued',
        method: 'POST',
        path: '/v1/{authKey}/{apiKey}',
        source: 'events',
        startedAt: Date.now(),
        authKey: source.authKey,
        sendKey: source.sendKey,
      },
      (now) => checkNdjsonBody(body, body.length, now),
    )
    expect(result.httpStatus, JSON.stringify(result.body).slice(0, 300)).toBe(503)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.call).toBeDefined()

    await deliverMessages('switchyard-events', [{ id: 'msg_last', body: sent[0]! }])
    release()
    await Promise.all(waits)

    const entries = await statusLogFor(env, org.id).list({})
    expect(entries).toHaveLength(1)
    expect(entries[0]?.httpStatus).toBe(503)
  })
})
