import type { Env } from '../env'
import { logError } from '../lib/log'
import { createId } from '../lib/ids'
import { type CallReport, recordCall, toCallRecord } from '../status-log/status-log.client'
import type { QueuedCallRecord } from '../status-log/status-log.types'
import { authenticateEventKeys, type KeyRejection } from './event-keys.auth'
import { type CheckedBody, type BodyError, type RejectedLine } from './events.ndjson'
import { enqueueEvents } from './events.queue'
import { admitRejection, isRejectionThrottled, withSuppressedCount } from './rejection-log'

/**
 * Response of an ingestion request: Natero's `status_is_ok` plus the per-line outcome. As in the
 * Account API, `status_is_ok` is false only for batch-level errors, so a request whose every line
 * is rejected returns true with `accepted: 0`, and API status shows it as Failure.
 */
export interface IngestResponse {
  status_is_ok: boolean
  accepted: number
  rejected: { line: number; message: string }[]
  message?: string
}

/** The request an ingestion call came from, for the status log. */
export interface IngestRequest {
  env: Env
  executionCtx: Pick<ExecutionContext, 'waitUntil'>
  requestId: string
  method: string
  /** The path as logged: never the auth key itself. */
  path: string
  source: 'events' | 'trpc'
  startedAt: number
  authKey: string
  sendKey: string
}

/** An ingestion outcome: the HTTP status and the body to send. */
export interface IngestResult {
  httpStatus: number
  body: IngestResponse
}

function failure(httpStatus: number, message: string): IngestResult {
  return { httpStatus, body: { status_is_ok: false, accepted: 0, rejected: [], message } }
}

async function orgOfSendKey(db: D1Database, sendKey: string): Promise<string | null> {
  const row = await db
    .prepare('SELECT org_id AS orgId FROM event_sources WHERE send_key = ?')
    .bind(sendKey)
    .first<{ orgId: string }>()
  return row?.orgId ?? null
}

/** Builds the status log's report of an ingestion request. */
function callReport(
  request: IngestRequest,
  keyPrefix: string | null,
  result: IngestResult,
  rejected: RejectedLine[],
  recordsSent: number,
): CallReport {
  return {
    time: request.startedAt,
    requestId: request.requestId,
    method: request.method,
    path: request.path,
    api: 'events',
    source: request.source,
    keyPrefix,
    httpStatus: result.httpStatus,
    recordsSent,
    failedRecords: rejected.map((line) => ({
      index: line.line - 1,
      id: line.id,
      message: line.message,
    })),
    durationMs: Date.now() - request.startedAt,
    message: result.body.message ?? null,
  }
}

/** Records a request that queued nothing in the org's status log, after the response. */
function report(
  request: IngestRequest,
  orgId: string,
  keyPrefix: string | null,
  result: IngestResult,
  rejected: RejectedLine[],
  recordsSent: number,
  entryKey?: string,
): void {
  recordCall(
    request.env,
    request.executionCtx,
    orgId,
    callReport(request, keyPrefix, result, rejected, recordsSent),
    entryKey,
  )
}

/**
 * Records a rejected key pair, at most once a minute per source: for the auth key's org when the
 * auth key is known, otherwise for the org of the send key, if any.
 */
async function reportRejectedKey(
  request: IngestRequest,
  rejection: KeyRejection,
  result: IngestResult,
): Promise<void> {
  const sendKey = rejection.source?.sendKey ?? request.sendKey
  if (isRejectionThrottled(sendKey, request.startedAt)) {
    admitRejection(sendKey, request.startedAt)
    return
  }
  const orgId = rejection.source?.orgId ?? (await orgOfSendKey(request.env.DB, sendKey))
  if (!orgId) return
  const decision = admitRejection(sendKey, request.startedAt)
  if (!decision.record) return
  const message = withSuppressedCount(result.body.message ?? '', decision.suppressed)
  const keyPrefix = rejection.source?.keyPrefix ?? null
  report(request, orgId, keyPrefix, { ...result, body: { ...result.body, message } }, [], 0)
}

/**
 * Ingests events for one key pair: authenticates, checks every event (through `check`, which
 * parses NDJSON or objects), queues the accepted ones with the call's status entry and waits for
 * the queue to take them. A request that queues nothing records its entry after the response.
 * Every caller of the Event API comes through here.
 */
export async function ingestEvents(
  request: IngestRequest,
  check: (now: number) => CheckedBody | BodyError,
): Promise<IngestResult> {
  const { env } = request
  const identity = await authenticateEventKeys(
    env.DB,
    request.executionCtx,
    request.authKey,
    request.sendKey,
  )
  if (!identity.ok) {
    const result = failure(401, identity.message)
    await reportRejectedKey(request, identity, result)
    return result
  }

  const checked = check(request.startedAt)
  if ('httpStatus' in checked) {
    const result = failure(checked.httpStatus, checked.message)
    report(request, identity.orgId, identity.keyPrefix, result, [], 0)
    return result
  }

  const { accepted, rejected } = checked
  const result: IngestResult = {
    httpStatus: 200,
    body: {
      status_is_ok: true,
      accepted: accepted.length,
      rejected: rejected.map(({ line, message }) => ({ line, message })),
    },
  }
  const recordsSent = accepted.length + rejected.length
  if (accepted.length === 0) {
    report(request, identity.orgId, identity.keyPrefix, result, rejected, recordsSent)
    return result
  }

  // The call's status entry travels with its events, so the response waits for one queue send
  // and no Durable Object call, and the entry is as durable as the events. Its duration is
  // therefore measured up to the send. The consumer appends the entries of a whole delivery with
  // one call to the org's log.
  const call: QueuedCallRecord = {
    ...toCallRecord(callReport(request, identity.keyPrefix, result, rejected, recordsSent)),
    entryKey: createId('call'),
  }
  try {
    await enqueueEvents(env.EVENTS, {
      orgId: identity.orgId,
      sourceId: identity.sourceId,
      receivedAt: request.startedAt,
      lines: accepted,
      call,
    })
  } catch (error) {
    logError('events.enqueue_failed', error, {
      orgId: identity.orgId,
      requestId: request.requestId,
    })
    // Some messages may have been queued before the failure. A retry is still safe: the consumer
    // stores each event once, keyed by its content hash. If the message carrying `call` was
    // queued, this outcome replaces its entry under the same key, so the log shows the 503.
    const unavailable = failure(503, 'Events could not be queued: retry the request.')
    report(request, identity.orgId, identity.keyPrefix, unavailable, [], recordsSent, call.entryKey)
    return unavailable
  }
  return result
}
