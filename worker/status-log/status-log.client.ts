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

/**
 * Records a call in the org's status log after the response is sent. A logging failure is written
 * to the Worker log and never reaches the caller, so logging cannot slow or break the call.
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
  const write = statusLogFor(env, orgId)
    .append(record)
    .catch((error: unknown) => {
      logError('status_log.append_failed', error, { orgId, requestId: report.requestId })
    })
  executionCtx.waitUntil(write)
}
