import type { Env } from '../env'
import { logError } from '../lib/log'
import type { CallOutcome, CallRecord, FailedRecord } from './status-log.types'

/** Returns the stub of the org's own status log. */
export function statusLogFor(env: Env, orgId: string) {
  return env.STATUS_LOG.get(env.STATUS_LOG.idFromName(orgId))
}

/** Derives the outcome label from a call's HTTP status and record counts. */
export function outcomeOf(
  httpStatus: number,
  recordsSent: number,
  recordsFailed: number,
): CallOutcome {
  if (httpStatus >= 400) return 'Failure'
  if (recordsSent > 0 && recordsFailed >= recordsSent) return 'Failure'
  if (recordsFailed > 0) return 'Partial'
  return 'Success'
}

/** The fields a caller supplies; outcome and the failure cap are derived. */
export type CallReport = Omit<CallRecord, 'outcome' | 'failedRecordsOmitted' | 'recordsFailed'> & {
  recordsFailed?: number
  failedRecords: FailedRecord[]
}

/** Records waiting to be written to one org's log, and the write that will take them. */
interface PendingWrite {
  records: CallRecord[]
  written: Promise<void>
}

/** Per org in this isolate: the write in flight and the batch that waits for it to finish. */
interface OrgWrites {
  inFlight: Promise<void> | null
  next: PendingWrite | null
}

const writesByOrg = new Map<string, OrgWrites>()

/**
 * Queues a record for the org's log and returns a promise that settles once it is written.
 * Records that arrive while a write is in flight are written together in the next one, so a busy
 * isolate makes one Durable Object call per write rather than per request.
 */
function queueRecord(env: Env, orgId: string, record: CallRecord): Promise<void> {
  let writes = writesByOrg.get(orgId)
  if (!writes) {
    writes = { inFlight: null, next: null }
    writesByOrg.set(orgId, writes)
  }
  if (writes.next) {
    writes.next.records.push(record)
    return writes.next.written
  }
  const org = writes
  const previous = org.inFlight
  const batch: PendingWrite = { records: [record], written: Promise.resolve() }
  batch.written = (async () => {
    // Waiting also yields once, so records of the same tick join this batch.
    await previous
    if (org.next === batch) org.next = null
    try {
      await statusLogFor(env, orgId).appendMany(batch.records)
    } catch (error) {
      const requestIds = batch.records.map((entry) => entry.requestId)
      logError('status_log.append_failed', error, { orgId, requestIds })
    } finally {
      if (org.inFlight === batch.written) org.inFlight = null
      if (org.inFlight === null && org.next === null) writesByOrg.delete(orgId)
    }
  })()
  org.next = batch
  org.inFlight = batch.written
  return batch.written
}

/**
 * Records a call in the org's status log after the response is sent. A logging failure is written
 * to the Worker log and never reaches the caller, so logging cannot slow or break the call. Each
 * call is one entry; concurrent calls of one org share a Durable Object write (see queueRecord).
 * NOTE: a waiting record's write runs in the request that started its batch; if that request's
 * context were cancelled before the write, the waiting record would be lost.
 */
export function recordCall(
  env: Env,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  orgId: string,
  report: CallReport,
): void {
  const recordsFailed = report.recordsFailed ?? report.failedRecords.length
  const record: CallRecord = {
    ...report,
    recordsFailed,
    outcome: outcomeOf(report.httpStatus, report.recordsSent, recordsFailed),
    failedRecordsOmitted: Math.max(0, recordsFailed - report.failedRecords.length),
  }
  executionCtx.waitUntil(queueRecord(env, orgId, record))
}
