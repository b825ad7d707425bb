import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'

import { createSignedInUser, db } from '../../test/fixtures'
import type { SessionPrincipal } from '../auth/principal'
import type { Env } from '../env'
import { createId } from '../lib/ids'
import { handleQueueBatch } from '../queue'
import type { Role } from '../orgs/orgs.schema'
import { statusLogFor } from '../status-log/status-log.client'
import type { CallEntry, QueuedCallRecord } from '../status-log/status-log.types'
import { createCallerFactory } from '../trpc/init'
import { appRouter } from '../trpc/router'
import { createEventSource } from './event-sources.service'
import { checkNdjsonBody } from './events.ndjson'
import type { EventsBatchMessage } from './events.queue'
import { ingestEvents, type IngestResult } from './events.service'

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

/** Builds the status entry of a successful one-event ingestion request, as it is queued. */
export function queuedCall(overrides: Partial<QueuedCallRecord> = {}): QueuedCallRecord {
  return {
    entryKey: createId('call'),
    time: Date.now(),
    requestId: 'req_queued',
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
    ...overrides,
  }
}

/** Builds an events message of `orgId` with one valid event and the status entry `call`. */
export function eventsMessage(orgId: string, call: QueuedCallRecord): EventsBatchMessage {
  return {
    type: 'events.batch',
    orgId,
    sourceId: 'src_entry',
    receivedAt: Date.now(),
    lines: [JSON.stringify(usageEvent())],
    call,
  }
}

/** Hands messages to the queue handler as one delivery from `queue` and returns the outcome. */
export async function deliverMessages(
  queue: string,
  messages: { id: string; body: EventsBatchMessage }[],
  useEnv: Env = env,
) {
  const batch = createMessageBatch<unknown>(
    queue,
    messages.map(({ id, body }) => ({ id, timestamp: Date.now(), attempts: 1, body })),
  )
  const ctx = createExecutionContext()
  await handleQueueBatch(batch, useEnv, ctx)
  return getQueueResult(batch, ctx)
}

/**
 * Sends an NDJSON body through `ingestEvents` for `source` and waits for the work it left to
 * `waitUntil`, such as direct status log writes.
 */
export async function ingestNdjson(
  source: { authKey: string; sendKey: string },
  body: string,
  options: { env?: Env; requestId?: string } = {},
): Promise<IngestResult> {
  const waits: Promise<unknown>[] = []
  const bytes = new TextEncoder().encode(body).length
  const result = await ingestEvents(
    {
      env: options.env ?? env,
      executionCtx: { waitUntil: (promise) => waits.push(promise) },
      requestId: options.requestId ?? createId('req'),
      method: 'POST',
      path: '/v1/{authKey}/{apiKey}',
      source: 'events',
      startedAt: Date.now(),
      authKey: source.authKey,
      sendKey: source.sendKey,
    },
    (now) => checkNdjsonBody(body, bytes, now),
  )
  await Promise.all(waits)
  return result
}

/** A status log namespace whose every `appendQueued` fails, as during a Durable Object outage. */
export const unavailableStatusLog = {
  idFromName: (name: string) => env.STATUS_LOG.idFromName(name),
  get: () => ({ appendQueued: () => Promise.reject(new Error('status log unavailable')) }),
} as unknown as Env['STATUS_LOG']
