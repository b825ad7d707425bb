import { env, exports } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { createOrg, db } from '../../test/fixtures'
import { eventSourceKeys, events } from './events.schema'
import { revokeAuthKey, rollAuthKey } from './event-sources.service'
import { createSource, eventually, statusEntries, usageEvent } from './test-helpers'

async function post(authKey: string, sendKey: string, body: string) {
  const response = await exports.default.fetch(
    new Request(`http://x/v1/${authKey}/${sendKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    }),
  )
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const ndjson = (...items: Record<string, unknown>[]) =>
  items.map((item) => JSON.stringify(item)).join('\n')

function storedEvents(orgId: string) {
  return db().select().from(events).where(eq(events.orgId, orgId))
}

describe('POST /v1/:authKey/:apiKey', () => {
  it('accepts a good batch and stores it through the queue', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const response = await post(
      source.authKey,
      source.sendKey,
      ndjson(usageEvent(), usageEvent({ user_id: 'user_2' })),
    )

    expect(response).toEqual({
      status: 200,
      body: { status_is_ok: true, accepted: 2, rejected: [] },
    })
    const stored = await eventually(
      () => storedEvents(org.id),
      (rows) => rows.length === 2,
    )
    expect(stored.map((row) => row.sourceId)).toEqual([source.sourceId, source.sourceId])
  })

  it('reports bad lines and accepts the rest', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const body = `${JSON.stringify(usageEvent())}\r\n{"account_id":"acc_1"}\r\nnot json\r\n`
    const response = await post(source.authKey, source.sendKey, body)

    expect(response.status).toBe(200)
    expect(response.body.accepted).toBe(1)
    expect(response.body.rejected).toEqual([
      { line: 2, message: 'Missing required field user_id: send it as a non-empty string.' },
      { line: 3, message: 'Invalid JSON: each line must be one complete JSON object.' },
    ])
  })

  it('explains a pretty-printed event', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const body = JSON.stringify(usageEvent(), null, 2)
    const response = await post(source.authKey, source.sendKey, body)

    const rejected = response.body.rejected as { line: number; message: string }[]
    expect(response.body.accepted).toBe(0)
    expect(rejected.map((line) => line.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    for (const line of rejected) expect(line.message).toContain('on a single line')
  })

  it('rejects a JSON array with 400', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const response = await post(source.authKey, source.sendKey, JSON.stringify([usageEvent()]))

    expect(response.status).toBe(400)
    expect(response.body).toMatchObject({ status_is_ok: false, accepted: 0 })
    expect(response.body.message).toContain('Body is a JSON array')
  })

  it('rejects a body over 1 MB with 413', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const line = JSON.stringify(usageEvent({ details: 'x'.repeat(30_000) }))
    const response = await post(source.authKey, source.sendKey, Array(35).fill(line).join('\n'))

    expect(response.status).toBe(413)
    expect(response.body.message).toContain('maximum is 1000000')
  })

  it('rejects 1001 events with 413', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const response = await post(
      source.authKey,
      source.sendKey,
      ndjson(...Array(1001).fill(usageEvent())),
    )

    expect(response.status).toBe(413)
    expect(response.body.message).toContain('maximum is 1000 per request')
  })

  it('queues 1000 large events in several messages', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const items = Array.from({ length: 1000 }, (_, index) =>
      usageEvent({ user_id: `user_${index}`, details: 'é'.repeat(400) }),
    )
    const response = await post(source.authKey, source.sendKey, ndjson(...items))

    expect(response.body).toMatchObject({ status_is_ok: true, accepted: 1000 })
    await eventually(
      () => storedEvents(org.id),
      (rows) => rows.length === 1000,
    )
  })
})

describe('Event API key pairs', () => {
  it('rejects an unknown auth key', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const response = await post('sye_wrong', source.sendKey, ndjson(usageEvent()))

    expect(response.status).toBe(401)
    expect(response.body.message).toContain('Unknown auth key')
  })

  it('rejects a send key of another source', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const other = await createSource(org.id, 'Mobile app')
    const response = await post(source.authKey, other.sendKey, ndjson(usageEvent()))

    expect(response.status).toBe(401)
    expect(response.body.message).toContain('does not belong to the source')
  })

  it('rejects a revoked auth key', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    await revokeAuthKey(db(), org.id, source.keyId)
    const response = await post(source.authKey, source.sendKey, ndjson(usageEvent()))

    expect(response.status).toBe(401)
    expect(response.body.message).toContain('was revoked')
  })

  it('accepts a rolled key within its grace period and the new key', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const rolled = await rollAuthKey(db(), org.id, source.keyId, 3600)

    expect((await post(source.authKey, source.sendKey, ndjson(usageEvent()))).status).toBe(200)
    expect((await post(rolled.authKey, source.sendKey, ndjson(usageEvent()))).status).toBe(200)
  })

  it('rejects a rolled key after its grace period', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const rolled = await rollAuthKey(db(), org.id, source.keyId, 0)
    const response = await post(source.authKey, source.sendKey, ndjson(usageEvent()))

    expect(response.status).toBe(401)
    expect(response.body.message).toContain('grace period ended')
    expect((await post(rolled.authKey, source.sendKey, ndjson(usageEvent()))).status).toBe(200)
  })

  it('records last use of a key', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    await post(source.authKey, source.sendKey, ndjson(usageEvent()))

    const [key] = await eventually(
      () => db().select().from(eventSourceKeys).where(eq(eventSourceKeys.id, source.keyId)),
      (rows) => rows[0]?.lastUsedAt !== null,
    )
    expect(key?.lastUsedAt).toBeGreaterThan(Date.now() - 60_000)
  })

  it('stores events under the org of the key pair only', async () => {
    const first = await createOrg()
    const second = await createOrg()
    const source = await createSource(first.id)
    await post(source.authKey, source.sendKey, ndjson(usageEvent()))

    await eventually(
      () => storedEvents(first.id),
      (rows) => rows.length === 1,
    )
    expect(await storedEvents(second.id)).toEqual([])
  })
})

describe('Event API status log', () => {
  it('records each request with its rejected lines', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    await post(source.authKey, source.sendKey, ndjson(usageEvent(), usageEvent({ action: 'x' })))
    await post(source.authKey, source.sendKey, '[]')
    await post('sye_wrong', source.sendKey, ndjson(usageEvent()))

    // A request that queued events logs its entry when the consumer takes the message, so the
    // entries are found by status rather than by position.
    const entries = await statusEntries(org.id, 3)
    const [partial, array, badKey] = [200, 400, 401].map((status) =>
      entries.find((entry) => entry.httpStatus === status),
    )
    expect(partial).toMatchObject({
      api: 'events',
      source: 'events',
      path: '/v1/{authKey}/{apiKey}',
      keyPrefix: source.authKey.slice(0, 8),
      httpStatus: 200,
      outcome: 'Partial',
      recordsSent: 2,
      recordsFailed: 1,
      failedRecords: [
        { index: 1, id: 'acc_1/user_1', message: expect.stringContaining('Invalid action "x"') },
      ],
    })
    expect(array).toMatchObject({ httpStatus: 400, outcome: 'Failure' })
    expect(array?.message).toContain('JSON array')
    expect(badKey).toMatchObject({ httpStatus: 401, outcome: 'Failure', keyPrefix: null })
  })

  it('writes no entry to another org', async () => {
    const first = await createOrg()
    const second = await createOrg()
    const source = await createSource(first.id)
    await post(source.authKey, source.sendKey, ndjson(usageEvent()))

    await statusEntries(first.id, 1)
    const log = env.STATUS_LOG.get(env.STATUS_LOG.idFromName(second.id))
    expect(await log.count()).toBe(0)
  })
})
