import { and, eq, sql } from 'drizzle-orm'

import type { Database } from '../db/client'
import type { Env } from '../env'
import { logError, logEvent } from '../lib/log'
import { MAX_CELL_CHARS, parseRange } from './csv'
import { writeEventRecords } from '../events/events.fields'
import { accountEntityOf, idFieldOf, uploadFields, upsertRecords } from './fields'
import { rowToRecord, type RowPlan } from './records'
import { finishStatement, recountStatement, reportFinished } from './results'
import { uploadChunks, uploadJobs, uploadRowFailures } from './uploads.schema'
import type { UploadJob } from './uploads.service'

type Chunk = typeof uploadChunks.$inferSelect

/** A row that was not written. */
export interface RowFailure {
  rowNumber: number
  recordId: string | null
  message: string
  raw: string[]
}

/** Maximum JSON characters bound to one failure insert, below D1's 2 MB cap on a string value. */
const FAILURE_BATCH_CHARS = 900_000

function loadChunkQuery(db: Database, jobId: string, chunkIndex: number) {
  return db
    .select({ chunk: uploadChunks, job: uploadJobs })
    .from(uploadChunks)
    .innerJoin(uploadJobs, eq(uploadJobs.id, uploadChunks.jobId))
    .where(and(eq(uploadChunks.jobId, jobId), eq(uploadChunks.chunkIndex, chunkIndex)))
    .limit(1)
}

async function loadChunk(db: Database, jobId: string, chunkIndex: number) {
  const [row] = await loadChunkQuery(db, jobId, chunkIndex)
  return row
}

/**
 * Counts an attempt at a pending chunk and loads it with its job, in one D1 round trip. The
 * attempt also refreshes the chunk's `updated_at`, which keeps the sweep from re-sending it. Chunk
 * and job load separately: drizzle 0.45 maps a joined select's columns wrongly inside `db.batch`.
 */
async function startChunk(db: Database, jobId: string, chunkIndex: number) {
  const where = and(eq(uploadChunks.jobId, jobId), eq(uploadChunks.chunkIndex, chunkIndex))
  const [, [chunk], [job]] = await db.batch([
    db
      .update(uploadChunks)
      .set({ attempts: sql`${uploadChunks.attempts} + 1`, updatedAt: Date.now() })
      .where(and(where, eq(uploadChunks.status, 'pending'))),
    db.select().from(uploadChunks).where(where).limit(1),
    db.select().from(uploadJobs).where(eq(uploadJobs.id, jobId)).limit(1),
  ])
  return chunk && job ? { chunk, job } : undefined
}

/**
 * Reads a chunk's rows back from R2 by its byte range. A chunk is at most about 1 MiB, so the
 * range is read whole and parsed in one call, which takes half the time of the stream parser.
 */
export async function readChunkRows(env: Env, job: UploadJob, chunk: Chunk): Promise<string[][]> {
  const length = chunk.byteEnd - chunk.byteStart
  if (length <= 0) return []
  const object = await env.UPLOADS.get(job.r2Key, { range: { offset: chunk.byteStart, length } })
  if (!object) throw new Error(`File ${job.r2Key} of upload ${job.id} is missing from R2`)
  return parseRange(await object.text(), job.options.delimiter ?? ',')
}

/** Characters of one row's copy kept in D1, well below D1's 2 MB limit on one value. */
const RAW_ROW_CHARS = 500_000

/**
 * Cuts the D1 copy of a failed row's cells so it fits in one D1 value, keeping every cell. The
 * failed-rows file re-reads the row whole from R2 and uses this copy only when it cannot.
 */
function clipRaw(cells: string[]): string[] {
  const total = cells.reduce((sum, cell) => sum + cell.length, 0)
  const share = total > RAW_ROW_CHARS ? Math.floor(RAW_ROW_CHARS / cells.length) : MAX_CELL_CHARS
  const limit = Math.min(share, MAX_CELL_CHARS)
  return cells.map((cell) =>
    cell.length > limit ? `${cell.slice(0, limit)}[cut at ${limit} characters]` : cell,
  )
}

/**
 * Inserts row failures with one bound JSON parameter per batch. The primary key (job, row)
 * makes a repeated insert a no-op, so a redelivered chunk records each failure once.
 */
export async function insertFailures(db: Database, jobId: string, failures: RowFailure[]) {
  let batch: RowFailure[] = []
  let size = 0
  const flush = async () => {
    if (batch.length === 0) return
    const json = JSON.stringify(batch.map((failure) => ({ ...failure, raw: clipRaw(failure.raw) })))
    await db.run(sql`
      INSERT OR IGNORE INTO ${uploadRowFailures} (job_id, row_number, record_id, message, raw)
      SELECT ${jobId}, json_extract(value, '$.rowNumber'), json_extract(value, '$.recordId'),
        json_extract(value, '$.message'), json_extract(value, '$.raw')
      FROM json_each(${json})`)
    batch = []
    size = 0
  }
  for (const failure of failures) {
    const length = Math.min(
      failure.raw.reduce((sum, cell) => sum + Math.min(cell.length, MAX_CELL_CHARS) + 40, 200),
      RAW_ROW_CHARS + failure.raw.length * 40 + 200,
    )
    if (size + length > FAILURE_BATCH_CHARS) await flush()
    batch.push(failure)
    size += length
  }
  await flush()
}

/** Writes records through the service of the job's API: the Account API's or the Event API's. */
function writeRecords(env: Env, db: Database, job: UploadJob, records: Record<string, unknown>[]) {
  const entity = accountEntityOf(job.entity)
  if (entity !== null) return upsertRecords(db, job.orgId, entity, records)
  const sourceId = job.options.eventSourceId
  if (!sourceId) throw new Error(`Events upload ${job.id} has no event source`)
  return writeEventRecords(env.DB, job.orgId, sourceId, records)
}

/** Converts a chunk's rows to records and writes them through the job's API service. */
async function writeRows(env: Env, db: Database, job: UploadJob, chunk: Chunk, rows: string[][]) {
  const plan: RowPlan = {
    header: job.options.header ?? [],
    mapping: job.options.mapping ?? {},
    fields: uploadFields(job.entity),
    dateFormat: job.options.dateFormat,
    idField: idFieldOf(job.entity),
  }
  const failures: RowFailure[] = []
  const records: Record<string, unknown>[] = []
  const recordRows: { rowNumber: number; raw: string[] }[] = []
  rows.forEach((cells, index) => {
    const rowNumber = chunk.firstRow + index
    const result = rowToRecord(cells, plan)
    if (result.ok) {
      records.push(result.record)
      recordRows.push({ rowNumber, raw: cells })
    } else {
      failures.push({ rowNumber, recordId: result.id, message: result.message, raw: cells })
    }
  })

  const outcome = await writeRecords(env, db, job, records)
  for (const failed of outcome.failed) {
    const row = recordRows[failed.index]
    if (!row) continue
    failures.push({ ...row, recordId: failed.id, message: failed.message })
  }
  return { written: outcome.written, failures }
}

/**
 * Processes one chunk: reads its rows from R2, writes them, records each failed row and marks the
 * chunk done. A chunk already done, or of a cancelled job, is skipped, so redelivery is harmless.
 */
export async function processChunk(
  env: Env,
  db: Database,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  jobId: string,
  chunkIndex: number,
): Promise<'done' | 'skipped'> {
  const loaded = await startChunk(db, jobId, chunkIndex)
  if (!loaded || loaded.chunk.status !== 'pending') return 'skipped'
  if (!['queued', 'running'].includes(loaded.job.status)) return 'skipped'
  const { chunk, job } = loaded

  const rows = await readChunkRows(env, job, chunk)
  if (rows.length !== chunk.rowCount) {
    throw new Error(
      `Chunk ${chunkIndex} of ${jobId} read ${rows.length} rows, expected ${chunk.rowCount}`,
    )
  }
  const { written, failures } = await writeRows(env, db, job, chunk, rows)
  await insertFailures(db, jobId, failures)
  await markChunk(env, db, executionCtx, chunk, {
    status: 'done',
    written,
    failed: failures.length,
  })
  return 'done'
}

/**
 * Records a chunk's outcome, recounts the job and completes it when this was its last chunk, all
 * in one D1 batch: one round trip per chunk, and the counts change together with the chunk.
 */
async function markChunk(
  env: Env,
  db: Database,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  chunk: Chunk,
  outcome: { status: 'done' | 'failed'; written: number; failed: number },
) {
  const now = Date.now()
  const [, , finished] = await db.batch([
    db
      .update(uploadChunks)
      .set({ ...outcome, updatedAt: now })
      .where(
        and(
          eq(uploadChunks.jobId, chunk.jobId),
          eq(uploadChunks.chunkIndex, chunk.chunkIndex),
          eq(uploadChunks.status, 'pending'),
        ),
      ),
    recountStatement(db, chunk.jobId),
    finishStatement(db, chunk.jobId, now),
  ])
  const [job] = finished
  if (job) await reportFinished(env, db, executionCtx, job, now)
}

/**
 * Marks every row of a chunk failed after its message reached the dead-letter queue, so no row is
 * silently dropped. Rows are re-read from R2 for the failed-rows file when possible.
 */
export async function failChunk(
  env: Env,
  db: Database,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  jobId: string,
  chunkIndex: number,
  attempts: number,
): Promise<void> {
  const loaded = await loadChunk(db, jobId, chunkIndex)
  if (!loaded || loaded.chunk.status !== 'pending') return
  const { chunk, job } = loaded
  let rows: string[][] = []
  try {
    rows = await readChunkRows(env, job, chunk)
  } catch (error) {
    // The rows are still reported by number, with empty cells in the failed-rows file.
    logError('upload.dead_letter_read_failed', error, { jobId, chunkIndex })
  }
  const message = `Processing failed ${attempts} times, so this row may not be written. Upload it again, since re-sending a written row changes nothing.`
  const failures = Array.from({ length: chunk.rowCount }, (_, index) => ({
    rowNumber: chunk.firstRow + index,
    recordId: null,
    message,
    raw: rows[index] ?? [],
  }))
  await insertFailures(db, jobId, failures)
  logEvent('upload.chunk_dead_lettered', { jobId, chunkIndex, rows: chunk.rowCount, attempts })
  await markChunk(env, db, executionCtx, chunk, {
    status: 'failed',
    written: 0,
    failed: chunk.rowCount,
  })
}
