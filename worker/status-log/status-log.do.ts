import { DurableObject } from 'cloudflare:workers'

import type { Env } from '../env'
import {
  type CallEntry,
  type CallFilter,
  type CallRecord,
  type CallSummary,
  keptFailedRecords,
  type QueuedCallRecord,
  STATUS_LOG_CAPACITY,
} from './status-log.types'

interface CallRow extends Record<string, SqlStorageValue> {
  id: number
  time: number
  request_id: string
  method: string
  path: string
  api: string
  source: string
  key_prefix: string | null
  http_status: number
  outcome: string
  records_sent: number
  records_failed: number
  failed_records: string
  failed_records_omitted: number
  duration_ms: number
  message: string | null
}

const SUMMARY_COLUMNS =
  'id, time, request_id, method, path, api, source, key_prefix, http_status, outcome, ' +
  'records_sent, records_failed, failed_records_omitted, duration_ms, message'

/** Columns a call record fills, in the order `columnValues` returns their values. */
const WRITTEN_COLUMNS = [
  'time',
  'request_id',
  'method',
  'path',
  'api',
  'source',
  'key_prefix',
  'http_status',
  'outcome',
  'records_sent',
  'records_failed',
  'failed_records',
  'failed_records_omitted',
  'duration_ms',
  'message',
]

/**
 * Returns a record's column values. The failed records are bounded here as well as by the callers
 * (`keptFailedRecords`), so no caller can store a value above the Durable Object's 2 MB limit.
 */
function columnValues(record: CallRecord): SqlStorageValue[] {
  const storedFailures = keptFailedRecords(record.failedRecords)
  const omitted =
    record.failedRecordsOmitted + (record.failedRecords.length - storedFailures.length)
  return [
    record.time,
    record.requestId,
    record.method,
    record.path,
    record.api,
    record.source,
    record.keyPrefix,
    record.httpStatus,
    record.outcome,
    record.recordsSent,
    record.recordsFailed,
    JSON.stringify(storedFailures),
    omitted,
    Math.round(record.durationMs),
    record.message,
  ]
}

/**
 * One org's API status log: the newest STATUS_LOG_CAPACITY calls in the object's SQLite storage.
 * Each org gets its own instance (`idFromName(orgId)`), so orgs never share or contend for a log.
 */
export class StatusLog extends DurableObject<Env> {
  private readonly sql: SqlStorage

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    this.sql.exec(`CREATE TABLE IF NOT EXISTS calls (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      time INTEGER NOT NULL,
      request_id TEXT NOT NULL,
      method TEXT NOT NULL,
      path TEXT NOT NULL,
      api TEXT NOT NULL,
      source TEXT NOT NULL,
      key_prefix TEXT,
      http_status INTEGER NOT NULL,
      outcome TEXT NOT NULL,
      records_sent INTEGER NOT NULL,
      records_failed INTEGER NOT NULL,
      failed_records TEXT NOT NULL,
      failed_records_omitted INTEGER NOT NULL,
      duration_ms INTEGER NOT NULL,
      message TEXT
    )`)
    // Keys of entries that arrived through a queue, which may deliver one twice.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS queued_entries (
      entry_key TEXT PRIMARY KEY,
      call_id INTEGER NOT NULL
    ) WITHOUT ROWID`)
  }

  /** Appends one call and deletes whatever falls outside the newest STATUS_LOG_CAPACITY. */
  append(record: CallRecord): number {
    const id = this.insert(record)
    this.trim(id)
    return id
  }

  /**
   * Appends calls that reached the log through a queue, in order, skipping any whose `entryKey`
   * the log already contains, so a redelivered message never logs its call twice. With
   * `replaceKnown`, a known entry is overwritten instead, because the record is the final outcome
   * of a call whose queued copy may have arrived first. Returns how many entries were written.
   */
  appendQueued(
    records: readonly QueuedCallRecord[],
    { replaceKnown = false }: { replaceKnown?: boolean } = {},
  ): number {
    let lastId = 0
    let written = 0
    for (const { entryKey, ...record } of records) {
      const known = this.sql
        .exec<{ callId: number }>(
          'SELECT call_id AS callId FROM queued_entries WHERE entry_key = ?',
          entryKey,
        )
        .toArray()[0]
      if (known) {
        if (replaceKnown && this.replace(known.callId, record)) written++
        continue
      }
      lastId = this.insert(record)
      this.sql.exec(
        'INSERT INTO queued_entries (entry_key, call_id) VALUES (?, ?)',
        entryKey,
        lastId,
      )
      written++
    }
    if (lastId > 0) this.trim(lastId)
    return written
  }

  private trim(newestId: number): void {
    const cutoff = newestId - STATUS_LOG_CAPACITY
    this.sql.exec('DELETE FROM calls WHERE id <= ?', cutoff)
    this.sql.exec('DELETE FROM queued_entries WHERE call_id <= ?', cutoff)
  }

  private insert(record: CallRecord): number {
    return this.sql
      .exec<{ id: number }>(
        `INSERT INTO calls (${WRITTEN_COLUMNS.join(', ')})
         VALUES (${WRITTEN_COLUMNS.map(() => '?').join(', ')}) RETURNING id`,
        ...columnValues(record),
      )
      .one().id
  }

  /** Overwrites entry `id` with `record`. Returns false when the entry has rolled out of the log. */
  private replace(id: number, record: CallRecord): boolean {
    const assignments = WRITTEN_COLUMNS.map((column) => `${column} = ?`).join(', ')
    const cursor = this.sql.exec(
      `UPDATE calls SET ${assignments} WHERE id = ?`,
      ...columnValues(record),
      id,
    )
    return cursor.rowsWritten > 0
  }

  /** Lists entries newest first, without their failed records. */
  list(filter: CallFilter = {}): CallSummary[] {
    const conditions: string[] = []
    const bindings: SqlStorageValue[] = []
    const addCondition = (clause: string, value: SqlStorageValue | undefined) => {
      if (value === undefined) return
      conditions.push(clause)
      bindings.push(value)
    }
    addCondition('outcome = ?', filter.outcome)
    addCondition('api = ?', filter.api)
    addCondition('source = ?', filter.source)
    addCondition('id > ?', filter.afterId)
    addCondition('id < ?', filter.beforeId)

    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), STATUS_LOG_CAPACITY)
    const rows = this.sql
      .exec<CallRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM calls ${where} ORDER BY id DESC LIMIT ?`,
        ...bindings,
        limit,
      )
      .toArray()
    return rows.map((row) => toSummary(row))
  }

  /** Returns one entry with its failed records, or null when it has rolled out of the log. */
  get(id: number): CallEntry | null {
    const row = this.sql.exec<CallRow>('SELECT * FROM calls WHERE id = ?', id).toArray()[0]
    if (!row) return null
    return { ...toSummary(row), failedRecords: JSON.parse(row.failed_records) }
  }

  /** Returns how many entries the log holds, at most STATUS_LOG_CAPACITY. */
  count(): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM calls').one().n
  }
}

function toSummary(row: CallRow): CallSummary {
  return {
    id: row.id,
    time: row.time,
    requestId: row.request_id,
    method: row.method,
    path: row.path,
    api: row.api,
    source: row.source as CallSummary['source'],
    keyPrefix: row.key_prefix,
    httpStatus: row.http_status,
    outcome: row.outcome as CallSummary['outcome'],
    recordsSent: row.records_sent,
    recordsFailed: row.records_failed,
    failedRecordsOmitted: row.failed_records_omitted,
    durationMs: row.duration_ms,
    message: row.message,
  }
}
