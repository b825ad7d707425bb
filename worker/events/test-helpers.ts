import { env } from 'cloudflare:workers'

import { createSignedInUser, db } from '../../test/fixtures'
import type { SessionPrincipal } from '../auth/principal'
import type { Role } from '../orgs/orgs.schema'
import { statusLogFor } from '../status-log/status-log.client'
import type { CallEntry } from '../status-log/status-log.types'
import { createCallerFactory } from '../trpc/init'
import { appRouter } from '../trpc/router'
import { createEventSource } from './event-sources.service'

/** Test-only helpers for the Event API tests. */

/** Creates an event source directly and returns its key pair. */
export async function createSource(orgId: string, name = 'Web app') {
  const { authKey, source } = await createEventSource(db(), orgId, name, null)
  return { authKey, sendKey: source.sendKey, sourceId: source.id, keyId: source.keys[0]!.id }
}

/** Builds a valid feature event inside the accepted time window. */
export function usageEvent(overrides: Record<string, unknown> = {}) {
  return {
    account_id: 'acc_1',
    user_id: 'user_1',
    created_at: Date.now() - 60_000,
    session_id: 'sess_1',
    action: 'feature',
    feature: 'export',
    ...overrides,
  }
}

/**
 * Returns a tRPC caller for a new as a console user of `orgId`. Sessions are read by the auth
 * capability, so the principal is set directly here.
 */
export async function consoleCaller(orgId: string, role: Role = 'admin') {
  const user = await createSignedInUser(orgId, role)
  const principal: SessionPrincipal = {
    kind: 'session',
    orgId,
    userId: user.userId,
    email: user.email,
    name: role,
    role,
    sessionId: 'ses_test',
    csrfToken: user.csrfToken,
  }
  return createCallerFactory(appRouter)({
    env,
    db: db(),
    executionCtx: { waitUntil: () => undefined },
    req: new Request('http://x/api/trpc', { headers: user.headers }),
    resHeaders: new Headers(),
    requestId: 'req_test',
    principal,
  })
}

/** Polls until `read` returns a value that `done` accepts, or fails after 5 s. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const value = await read()
    if (done(value)) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('Timed out after 5 s waiting for the expected state')
}

/** Waits for the org's API status log to hold `count` entries and returns them, newest first. */
export function statusEntries(orgId: string, count: number): Promise<CallEntry[]> {
  const log = statusLogFor(env, orgId)
  return eventually(
    async () => Promise.all((await log.list({})).map(async (entry) => (await log.get(entry.id))!)),
    (entries) => entries.length >= count,
  )
}
