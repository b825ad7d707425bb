import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

import { orgs, users } from '../orgs/orgs.schema'

export const uploadStatuses = [
  'uploading',
  'uploaded',
  'preflighted',
  'queued',
  'running',
  'cancelled',
  'completed',
  'failed',
] as const
export type UploadStatus = (typeof uploadStatuses)[number]

export const uploadEntities = ['accounts', 'account_users', 'account_contacts', 'events'] as const
export type UploadEntity = (typeof uploadEntities)[number]

export const dateFormats = ['YYYY-MM-DD', 'MM/DD/YYYY', 'DD/MM/YYYY'] as const
export type DateFormat = (typeof dateFormats)[number]

/** Choices the user makes before processing starts, plus what preflight found. */
export interface UploadOptions {
  /** Field separator found by preflight: `,`, `;` or a tab. */
  delimiter?: string
  /** Format for day/month dates; required when preflight finds an ambiguous date. */
  dateFormat?: DateFormat
  /** File column name → field name (`account_id`, `custom_label_dimensions.tier`); absent = left out. */
  mapping?: Record<string, string>
  /** The file's header row as read, in order. */
  header?: string[]
  /** True when the file started with a UTF-8 byte order mark, which is skipped. */
  hadBom?: boolean
  /** Event source that an `events` upload stores its events under. */
  eventSourceId?: string
}

/** Findings of the whole-file check beyond the first megabyte. */
export interface FileCheck {
  /** Data rows in the whole file. */
  rows: number
  /** Rows whose field count differs from the header's: the count and the first 20 row numbers. */
  wrongFieldCount: { count: number; rows: number[] }
  /** Per mapped date column, day/month values: the count and the first 20 row numbers. */
  slashDates: { column: string; count: number; rows: number[] }[]
  /** The CSV syntax error that stopped the check, with its row number. */
  parseError: string | null
}

/**
 * CSV upload jobs. The job row contains all progress, so a lost queue message is re-driven from here
 * by the cron sweep, and the queue only carries work.
 */
export const uploadJobs = sqliteTable(
  'upload_jobs',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.id),
    entity: text('entity', { enum: uploadEntities }).notNull(),
    fileName: text('file_name').notNull(),
    r2Key: text('r2_key').notNull(),
    /** Declared file size in bytes. */
    size: integer('size').notNull(),
    /** R2 multipart upload id while the file is being uploaded. */
    multipartUploadId: text('multipart_upload_id'),
    /** `[{partNumber, etag}]` of the parts stored so far. */
    parts: text('parts', { mode: 'json' })
      .$type<{ partNumber: number; etag: string }[]>()
      .notNull(),
    status: text('status', { enum: uploadStatuses }).notNull(),
    options: text('options', { mode: 'json' }).$type<UploadOptions>().notNull(),
    /** Preflight findings as shown to the user. */
    preflight: text('preflight', { mode: 'json' }).$type<unknown>(),
    /** Whole-file check of a file larger than the preflight sample; null until it has run. */
    fileCheck: text('file_check', { mode: 'json' }).$type<FileCheck>(),
    /** Data rows found by the scan; null until the scan has finished. */
    rowsTotal: integer('rows_total'),
    rowsRead: integer('rows_read').notNull().default(0),
    rowsWritten: integer('rows_written').notNull().default(0),
    rowsFailed: integer('rows_failed').notNull().default(0),
    /** Byte offset the scan has cut chunks up to, so a re-driven scan resumes there. */
    scanOffset: integer('scan_offset').notNull().default(0),
    scanDone: integer('scan_done', { mode: 'boolean' }).notNull().default(false),
    message: text('message'),
    createdAt: integer('created_at').notNull(),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    lastProgressAt: integer('last_progress_at').notNull(),
  },
  (table) => [
    index('upload_jobs_org_created_idx').on(table.orgId, table.createdAt),
    index('upload_jobs_status_progress_idx').on(table.status, table.lastProgressAt),
  ],
)

export const chunkStatuses = ['pending', 'done', 'failed'] as const

/**
 * Slices of an upload's file, each processed by one queue message. A chunk is a byte range of the
 * R2 object, so a message only names the chunk and any delivery can re-read its rows.
 */
export const uploadChunks = sqliteTable(
  'upload_chunks',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => uploadJobs.id),
    chunkIndex: integer('chunk_index').notNull(),
    /** Row number (header = row 1) of the chunk's first data row. */
    firstRow: integer('first_row').notNull(),
    rowCount: integer('row_count').notNull(),
    byteStart: integer('byte_start').notNull(),
    byteEnd: integer('byte_end').notNull(),
    status: text('status', { enum: chunkStatuses }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    written: integer('written').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.jobId, table.chunkIndex] }),
    index('upload_chunks_status_idx').on(table.status, table.updatedAt),
  ],
)

/** Rows that were not written, with the reason and the row exactly as uploaded. */
export const uploadRowFailures = sqliteTable(
  'upload_row_failures',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => uploadJobs.id),
    /** Row number in the file, header = row 1. */
    rowNumber: integer('row_number').notNull(),
    /** The record's id field (`account_id` or `user_id`) when it could be read. */
    recordId: text('record_id'),
    message: text('message').notNull(),
    /** The row's cells as uploaded, as a JSON array of strings. */
    raw: text('raw', { mode: 'json' }).$type<string[]>().notNull(),
  },
  (table) => [primaryKey({ columns: [table.jobId, table.rowNumber] })],
)
