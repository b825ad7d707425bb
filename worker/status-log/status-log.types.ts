/** Outcome labels shown in API Status. */
export type CallOutcome = 'Success' | 'Partial' | 'Failure'

/** Channel through which a call reached the platform. */
export type CallSource = 'rest' | 'trpc' | 'csv_upload' | 'events'

/** One record of a bulk call that was not written. `index` is 0-based within the call. */
export interface FailedRecord {
  index: number
  id: string | null
  message: string
}

/** Report of one API call as its caller sends it. The Durable Object assigns `id`. */
export interface CallRecord {
  time: number
  requestId: string
  method: string
  path: string
  /** The API called: `accounts`, `account_users`, `account_contacts` or `events`. */
  api: string
  source: CallSource
  keyPrefix: string | null
  httpStatus: number
  outcome: CallOutcome
  recordsSent: number
  recordsFailed: number
  /** The first failed records, at most MAX_FAILED_RECORDS_KEPT of them. */
  failedRecords: FailedRecord[]
  /** Failed records beyond those kept in `failedRecords`. */
  failedRecordsOmitted: number
  durationMs: number
  /** Batch-level error, for calls that wrote nothing. */
  message: string | null
}

/**
 * A call record sent through a queue. `entryKey` is unique per call, so the log can skip a copy
 * that a redelivery brings again.
 */
export interface QueuedCallRecord extends CallRecord {
  entryKey: string
}

export interface CallEntry extends CallRecord {
  id: number
}

/** A log entry without its failed records, as list views show it. */
export type CallSummary = Omit<CallEntry, 'failedRecords'>

export interface CallFilter {
  outcome?: CallOutcome
  api?: string
  source?: CallSource
  /** Only entries newer than this id: the console polls with it to show new calls. */
  afterId?: number
  /** Only entries older than this id: the next page. */
  beforeId?: number
  limit?: number
}

/** Entries each org's log keeps; older ones are deleted as new ones arrive. */
export const STATUS_LOG_CAPACITY = 1000

export const MAX_FAILED_RECORDS_KEPT = 100

/**
 * Maximum length of a kept failed record's id or message, in characters. Messages may quote the
 * rejected value, so each text is clipped. 100 records then stay far below the 2 MB that a
 * Durable Object's SQLite takes per value, and fit in one queue message.
 */
export const FAILED_RECORD_TEXT_MAX = 200

function clip(text: string): string {
  return text.length <= FAILED_RECORD_TEXT_MAX
    ? text
    : `${text.slice(0, FAILED_RECORD_TEXT_MAX - 1)}…`
}

/** Keeps the first MAX_FAILED_RECORDS_KEPT failed records, their texts clipped. */
export function keptFailedRecords(records: readonly FailedRecord[]): FailedRecord[] {
  return records.slice(0, MAX_FAILED_RECORDS_KEPT).map((record) => ({
    index: record.index,
    id: record.id === null ? null : clip(record.id),
    message: clip(record.message),
  }))
}
