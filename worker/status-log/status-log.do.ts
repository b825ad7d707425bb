import { DurableObject } from 'cloudflare:workers'

import type { Env } from '../env'
import {
  type CallEntry,
  type CallFilter,
  type CallRecord,
  type CallSummary,
  type QueuedCallRecord,
  MAX_FAILED_RECORDS_KEPT,
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
   * the log already holds, so a redelivered message never logs its call twice. Returns how many
   * were appended.
   */
  appendQueued(records: readonly QueuedCallRecord[]): number {
    let lastId = 0
    let appended = 0
    for (const { entryKey, ...record } of records) {
      const known = this.sql
        .exec('SELECT 1 FROM queued_entries WHERE entry_key = ?', entryKey)
        .toArray()
      if (known.length > 0) continue
      lastId = this.insert(record)
      this.sql.exec(
        'INSERT INTO queued_entries (entry_key, call_id) VALUES (?, ?)',
        entryKey,
        lastId,
      )
      appended++
    }
    if (appended > 0) this.trim(lastId)
    return appended
  }

  private trim(newestId: number): void {
    const cutoff = newestId - STATUS_LOG_CAPACITY
    this.sql.exec('DELETE FROM calls WHERE id <= ?', cutoff)
    this.sql.exec('DELETE FROM queued_entries WHERE call_id <= ?', cutoff)
  }

  private insert(record: CallRecord): number {
    const kept = record.failedRecords.slice(0, MAX_FAILED_RECORDS_KEPT)
    const omitted = record.failedRecordsOmitted + (record.failedRecords.length - kept.length)
    return this.sql
      .exec<{ id: number }>(
        `INSERT INTO calls (time, request_id, method, path, api, source, key_prefix, http_status,
           outcome, records_sent, records_failed, failed_records, failed_records_omitted,
           duration_ms, message)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
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
        JSON.stringify(kept),
        omitted,
        Math.round(record.durationMs),
        record.message,
      )
      .one().id
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
