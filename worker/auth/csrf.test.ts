import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { createDb } from '../db/client'
import { authedProcedure, createCallerFactory, router, type TrpcContext } from '../trpc/init'
import type { Principal } from './principal'

// A router of its own, so the CSRF check is tested with an API key principal whichever app
// procedures accept keys.
const testRouter = router({
  change: authedProcedure.mutation(() => 'changed'),
  read: authedProcedure.query(() => 'read'),
})
const createCaller = createCallerFactory(testRouter)

function callerFor(principal: Principal, headers: Record<string, string> = {}) {
  const context: TrpcContext = {
    env,
    db: createDb(env.DB),
    executionCtx: { waitUntil: () => {} },
    req: new Request('http://x/api/trpc/change', { method: 'POST', headers }),
    resHeaders: new Headers(),
    requestId: 'req_test',
    principal,
  }
  return createCaller(context)
}

const session: Principal = {
  kind: 'session',
  orgId: 'org_a',
  userId: 'usr_a',
  email: 'a@example.test',
  name: 'A',
  role: 'admin',
  sessionId: 'session',
  csrfToken: 'expected-token',
}

const apiKey: Principal = { kind: 'api_key', orgId: 'org_a', keyId: 'key_a', keyPrefix: 'sya_abcd' }

describe('CSRF middleware', () => {
  it('exempts API key mutations', async () => {
    expect(await callerFor(apiKey).change()).toBe('changed')
  })

  it('accepts the matching header', async () => {
    const caller = callerFor(session, { 'x-csrf-token': 'expected-token' })

    expect(await caller.change()).toBe('changed')
  })

  it('rejects a missing header', async () => {
    await expect(callerFor(session).change()).rejects.toThrow('Missing x-csrf-token header')
  })

  it('rejects a header of another length', async () => {
    const caller = callerFor(session, { 'x-csrf-token': 'expected-token-but-longer' })

    await expect(caller.change()).rejects.toThrow('Invalid x-csrf-token header')
  })

  it('skips session queries', async () => {
    expect(await callerFor(session).read()).toBe('read')
  })
})
