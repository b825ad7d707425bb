import { exports } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { createOrg, db } from '../../test/fixtures'
import { events } from './events.schema'
import { createSource, eventually, statusEntries } from './test-helpers'

async function postSegment(type: string, body: unknown, writeKey: string | null) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (writeKey !== null) headers.authorization = `Basic ${btoa(`${writeKey}:`)}`
  const response = await exports.default.fetch(
    new Request(`http://x/v1/segment/${type}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    }),
  )
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const timestamp = () => new Date(Date.now() - 60_000).toISOString()

describe('POST /v1/segment', () => {
  it('stores a track call as a feature event', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const response = await postSegment(
      'track',
      {
        userId: 'user_1',
        anonymousId: 'anon_1',
        event: 'Report Exported',
        properties: { module: 'reports' },
        context: { groupId: 'acc_1' },
        timestamp: timestamp(),
      },
      `${source.authKey}:${source.sendKey}`,
    )

    expect(response).toEqual({
      status: 200,
      body: { status_is_ok: true, accepted: 1, rejected: [] },
    })
    const [stored] = await eventually(
      () => db().select().from(events).where(eq(events.orgId, org.id)),
      (rows) => rows.length === 1,
    )
    expect(stored).toMatchObject({
      accountId: 'acc_1',
      userId: 'user_1',
      sessionId: 'anon_1',
      action: 'feature',
      feature: 'Report Exported',
      module: 'reports',
    })
  })

  it('maps identify and group in a batch and rejects other types', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const common = { userId: 'user_1', anonymousId: 'anon_1', timestamp: timestamp() }
    const response = await postSegment(
      'batch',
      {
        batch: [
          { ...common, type: 'identify', traits: { account_id: 'acc_1', email: 'a@example.test' } },
          { ...common, type: 'group', groupId: 'acc_1', traits: { plan: 'pro' } },
          { ...common, type: 'page', name: 'Home' },
          { ...common, type: 'track', event: 'Clicked' },
        ],
      },
      `${source.authKey}:${source.sendKey}`,
    )

    expect(response.body.accepted).toBe(2)
    expect(response.body.rejected).toEqual([
      { line: 3, message: 'Unsupported Segment call type "page": send track, identify or group.' },
      {
        line: 4,
        message:
          'Missing required field account_id: send context.groupId, or account_id in properties.',
      },
    ])
  })

  it('names the Segment fields a session id comes from', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const call = { userId: 'user_1', event: 'Clicked', context: { groupId: 'acc_1' } }
    const response = await postSegment(
      'batch',
      {
        batch: [
          { ...call, type: 'track', timestamp: timestamp() },
          { ...call, type: 'track', context: { groupId: 'acc_1', sessionId: 's_9' } },
        ],
      },
      `${source.authKey}:${source.sendKey}`,
    )

    expect(response.body.accepted).toBe(1)
    expect(response.body.rejected).toEqual([
      {
        line: 1,
        message: 'Missing required field session_id: send anonymousId, or context.sessionId.',
      },
    ])
    const [stored] = await eventually(
      () => db().select().from(events).where(eq(events.orgId, org.id)),
      (rows) => rows.length === 1,
    )
    expect(stored?.sessionId).toBe('s_9')
  })

  it('shows a request with every call rejected as Failure', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const response = await postSegment(
      'track',
      { event: 'Clicked' },
      `${source.authKey}:${source.sendKey}`,
    )

    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ status_is_ok: true, accepted: 0 })
    const [entry] = await statusEntries(org.id, 1)
    expect(entry).toMatchObject({ outcome: 'Failure', recordsSent: 1, recordsFailed: 1 })
  })

  it('rejects a missing or wrong write key', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)

    expect((await postSegment('track', {}, null)).status).toBe(401)
    const wrong = await postSegment('track', {}, `sye_wrong:${source.sendKey}`)
    expect(wrong.status).toBe(401)
    expect(wrong.body.message).toContain('Unknown auth key')
  })

  it('rejects an empty batch and logs it as a failure', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const response = await postSegment(
      'batch',
      { batch: [] },
      `${source.authKey}:${source.sendKey}`,
    )

    expect(response.status).toBe(400)
    expect(response.body.message).toBe('Empty batch: send at least one call in "batch".')
    const [entry] = await statusEntries(org.id, 1)
    expect(entry).toMatchObject({ httpStatus: 400, outcome: 'Failure' })
  })

  it('records the call in the status log', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    await postSegment('group', { groupId: 'acc_1' }, `${source.authKey}:${source.sendKey}`)

    const [entry] = await statusEntries(org.id, 1)
    expect(entry).toMatchObject({ path: '/v1/segment/group', source: 'events', outcome: 'Failure' })
    expect(entry?.failedRecords[0]?.message).toContain('user_id')
  })
})
