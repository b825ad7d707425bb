import type { Env } from '../env'
import { logError } from '../lib/log'
import {
  type CallOutcome,
  type CallRecord,
  type FailedRecord,
  keptFailedRecords,
  type QueuedCallRecord,
} from './status-log.types'

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

/**
 * Completes a caller's report into the record the log stores: derives the outcome and keeps the
 * first failed records with their texts clipped (`keptFailedRecords`), counting the rest as omitted.
 */
export function toCallRecord(report: CallReport): CallRecord {
  const recordsFailed = report.recordsFailed ?? report.failedRecords.length
  const failedRecords = keptFailedRecords(report.failedRecords)
  return {
    ...report,
    recordsFailed,
    failedRecords,
    outcome: outcomeOf(report.httpStatus, report.recordsSent, recordsFailed),
    failedRecordsOmitted: Math.max(0, recordsFailed - failedRecords.length),
  }
}

/**
 * Records a call in the org's status log after the response is sent. A logging failure is written
 * to the Worker log and never reaches the caller, so logging cannot slow or break the call. With
 * `entryKey`, the entry replaces a queued copy with the same key that got there first, and a copy
 * arriving later is skipped, so the log shows this outcome once.
 */
export function recordCall(
  env: Env,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  orgId: string,
  report: CallReport,
  entryKey?: string,
): void {
  const record = toCallRecord(report)
  const log = statusLogFor(env, orgId)
  const appended =
    entryKey === undefined
      ? log.append(record)
      : log.appendQueued([{ ...record, entryKey }], { replaceKnown: true })
  const write = Promise.resolve(appended).catch((error: unknown) => {
    logError('status_log.append_failed', error, { orgId, requestId: report.requestId })
  })
  executionCtx.waitUntil(write)
}

/**
 * Appends status entries that arrived on a queue to the org's log, skipping any it already contains.
 * Returns false, after logging the error, when the log could not be written, so the caller can
 * keep the entries for a later attempt.
 */
export async function appendQueuedCalls(
  env: Env,
  orgId: string,
  calls: QueuedCallRecord[],
): Promise<boolean> {
  try {
    await statusLogFor(env, orgId).appendQueued(calls)
    return true
  } catch (error) {
    logError('status_log.append_failed', error, { orgId, entries: calls.length })
    return false
  }
}
