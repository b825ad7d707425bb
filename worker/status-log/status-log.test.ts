import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { outcomeOf } from './status-log.client'
import type { StatusLog } from './status-log.do'
import { type CallRecord, STATUS_LOG_CAPACITY } from './status-log.types'

function call(overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    time: Date.now(),
    requestId: 'req_test',
    method: 'POST',
    path: '/api/v2/accounts',
    api: 'accounts',
    source: 'rest',
    keyPrefix: 'sya_test',
    httpStatus: 200,
    outcome: 'Success',
    recordsSent: 1,
    recordsFailed: 0,
    failedRecords: [],
    failedRecordsOmitted: 0,
    durationMs: 3,
    message: null,
    ...overrides,
  }
}

describe('StatusLog', () => {
  it('keeps exactly the newest 1000 calls', async () => {
    const stub = env.STATUS_LOG.get(env.STATUS_LOG.idFromName('org_rollover'))
    await runInDurableObject(stub, (log: StatusLog) => {
      for (let i = 0; i < STATUS_LOG_CAPACITY + 5; i++) {
        log.append(call({ requestId: `req_${i}` }))
      }
    })

    expect(await stub.count()).toBe(STATUS_LOG_CAPACITY)
    const newest = await stub.list({ limit: 1 })
    expect(newest[0]?.requestId).toBe(`req_${STATUS_LOG_CAPACITY + 4}`)
    const oldest = await stub.list({ limit: STATUS_LOG_CAPACITY })
    expect(oldest.at(-1)?.requestId).toBe('req_5')
    expect(await stub.get(5)).toBeNull()
    expect(await stub.get(6)).not.toBeNull()
  })

  it('filters by outcome, api and source', async () => {
    const stub = env.STATUS_LOG.get(env.STATUS_LOG.idFromName('org_filters'))
    await stub.append(call({ outcome: 'Partial', api: 'accounts' }))
    await stub.append(call({ outcome: 'Failure', api: 'account_users', source: 'trpc' }))
    await stub.append(call({ outcome: 'Success', api: 'accounts' }))

    expect((await stub.list({ outcome: 'Partial' })).map((e) => e.outcome)).toEqual(['Partial'])
    expect((await stub.list({ api: 'account_users' })).map((e) => e.api)).toEqual(['account_users'])
    expect((await stub.list({ source: 'trpc' })).length).toBe(1)
    expect((await stub.list({ afterId: 2 })).map((e) => e.id)).toEqual([3])
  })

  it('caps stored failed records and counts the rest', async () => {
    const stub = env.STATUS_LOG.get(env.STATUS_LOG.idFromName('org_cap'))
    const failedRecords = Array.from({ length: 150 }, (_, index) => ({
      index,
      id: `acc_${index}`,
      message: 'Missing/invalid required field(s)',
    }))
    const id = await stub.append(call({ recordsSent: 200, recordsFailed: 150, failedRecords }))
    const entry = await stub.get(id)

    expect(entry?.failedRecords).toHaveLength(100)
    expect(entry?.failedRecordsOmitted).toBe(50)
  })

  it('keeps logs of different orgs apart', async () => {
    const first = env.STATUS_LOG.get(env.STATUS_LOG.idFromName('org_a'))
    const second = env.STATUS_LOG.get(env.STATUS_LOG.idFromName('org_b'))
    await first.append(call())

    expect(await first.count()).toBe(1)
    expect(await second.count()).toBe(0)
  })
})

describe('outcomeOf', () => {
  it.each([
    [200, 10, 0, 'Success'],
    [200, 10, 3, 'Partial'],
    [200, 10, 10, 'Failure'],
    [400, 0, 0, 'Failure'],
    [401, 5, 0, 'Failure'],
  ] as const)('status %i with %i sent and %i failed is %s', (status, sent, failed, expected) => {
    expect(outcomeOf(status, sent, failed)).toBe(expected)
  })
})
