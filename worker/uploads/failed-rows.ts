import { and, asc, eq, gt, gte, lt, sql } from 'drizzle-orm'

import type { Database } from '../db/client'
import type { Env } from '../env'
import { logError } from '../lib/log'
import { readChunkRows } from './chunk'
import { csvLine } from './csv-writer'
import { ERROR_COLUMN } from './mapping'
import { uploadChunks, uploadRowFailures } from './uploads.schema'
import type { UploadJob } from './uploads.service'

/** Names the columns past the header that some failed rows contain: `extra_1`, `extra_2`, ... */
export function failedRowsHeader(header: string[], width: number): string[] {
  const extras = Array.from(
    { length: Math.max(0, width - header.length) },
    (_, i) => `extra_${i + 1}`,
  )
  return [...header, ...extras, ERROR_COLUMN]
}

async function widestFailedRow(db: Database, jobId: string): Promise<number> {
  const [row] = await db
    .select({ width: sql<number>`coalesce(max(json_array_length(${uploadRowFailures.raw})), 0)` })
    .from(uploadRowFailures)
    .where(eq(uploadRowFailures.jobId, jobId))
  return Number(row?.width ?? 0)
}

type Chunk = typeof uploadChunks.$inferSelect

/**
 * Returns the failed rows of one chunk with their cells re-read from the file in R2, so every cell
 * comes back whole however long. The copy kept in D1 (cells cut at MAX_CELL_CHARS) is used only for
 * rows that cannot be re-read, such as a row where the CSV stopped parsing.
 */
async function chunkFailures(env: Env, db: Database, job: UploadJob, chunk: Chunk) {
  const failures = await db
    .select()
    .from(uploadRowFailures)
    .where(
      and(
        eq(uploadRowFailures.jobId, job.id),
        gte(uploadRowFailures.rowNumber, chunk.firstRow),
        lt(uploadRowFailures.rowNumber, chunk.firstRow + chunk.rowCount),
      ),
    )
    .orderBy(asc(uploadRowFailures.rowNumber))
  let rows: string[][] = []
  try {
    rows = await readChunkRows(env, job, chunk)
  } catch (error) {
    logError('upload.failed_rows_read_failed', error, { jobId: job.id, chunk: chunk.chunkIndex })
  }
  const whole = rows.length === chunk.rowCount
  return failures.map((failure) => ({
    ...failure,
    cells: (whole ? rows[failure.rowNumber - chunk.firstRow] : undefined) ?? failure.raw,
  }))
}

/**
 * Streams the job's failed rows as CSV, each row's cells exactly as uploaded plus an `error` column.
 * Cells past the header go under `extra_1..n`, and every cell is formula-escaped. It reads one
 * chunk at a time, so memory stays flat.
 */
export function failedRowsCsv(env: Env, db: Database, job: UploadJob): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let columns = -1
  let afterChunk = -1
  return new ReadableStream({
    async pull(controller) {
      if (columns < 0) {
        const header = failedRowsHeader(job.options.header ?? [], await widestFailedRow(db, job.id))
        columns = header.length - 1
        controller.enqueue(encoder.encode(csvLine(header)))
        return
      }
      const [chunk] = await db
        .select()
        .from(uploadChunks)
        .where(
          and(
            eq(uploadChunks.jobId, job.id),
            gt(uploadChunks.chunkIndex, afterChunk),
            gt(uploadChunks.failed, 0),
          ),
        )
        .orderBy(asc(uploadChunks.chunkIndex))
        .limit(1)
      if (!chunk) {
        controller.close()
        return
      }
      afterChunk = chunk.chunkIndex
      const lines = (await chunkFailures(env, db, job, chunk)).map((failure) => {
        const cells = Array.from({ length: columns }, (_, index) => failure.cells[index] ?? '')
        return csvLine([...cells, `Row ${failure.rowNumber}: ${failure.message}`])
      })
      if (lines.length > 0) controller.enqueue(encoder.encode(lines.join('')))
    },
  })
}
