import { and, asc, eq, inArray, notExists, sql } from 'drizzle-orm'

import type { Database } from '../db/client'
import type { Env } from '../env'
import { logEvent } from '../lib/log'
import { recordCall } from '../status-log/status-log.client'
import { MAX_FAILED_RECORDS_KEPT } from '../status-log/status-log.types'
import { uploadChunks, uploadJobs, uploadRowFailures } from './uploads.schema'
import type { UploadJob } from './uploads.service'

/**
 * Recomputes the job's written and failed counts from its chunks. Recomputing instead of adding
 * keeps the counts right when a chunk is processed twice.
 */
export async function recountJob(db: Database, jobId: string): Promise<void> {
  await recountStatement(db, jobId)
}

/** Builds the recount of `recountJob` unexecuted, to run in a `db.batch` with other writes. */
export function recountStatement(db: Database, jobId: string) {
  return db
    .update(uploadJobs)
    .set({
      rowsWritten: sql`(SELECT coalesce(sum(${uploadChunks.written}), 0) FROM ${uploadChunks} WHERE ${uploadChunks.jobId} = ${jobId})`,
      rowsFailed: sql`(SELECT coalesce(sum(${uploadChunks.failed}), 0) FROM ${uploadChunks} WHERE ${uploadChunks.jobId} = ${jobId})`,
      lastProgressAt: Date.now(),
    })
    .where(eq(uploadJobs.id, jobId))
}

/**
 * Builds, unexecuted, the update that marks the job completed once its scan is done and no chunk
 * is pending. It returns the job when this call completed it; the condition lets only one caller
 * finish a job. It can run last in a `db.batch` with the write that finishes the last chunk.
 */
export function finishStatement(db: Database, jobId: string, now: number) {
  const pending = db
    .select({ one: sql`1` })
    .from(uploadChunks)
    .where(and(eq(uploadChunks.jobId, jobId), eq(uploadChunks.status, 'pending')))
  return db
    .update(uploadJobs)
    .set({ status: 'completed', finishedAt: now })
    .where(
      and(
        eq(uploadJobs.id, jobId),
        eq(uploadJobs.scanDone, true),
        inArray(uploadJobs.status, ['queued', 'running']),
        notExists(pending),
      ),
    )
    .returning()
}

/**
 * Marks the job completed once its scan is done and no chunk is pending, then writes one API
 * Status entry for the whole upload. The conditional update lets only one caller finish a job.
 */
export async function finishIfDone(
  env: Env,
  db: Database,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  jobId: string,
): Promise<boolean> {
  const now = Date.now()
  const [job] = await finishStatement(db, jobId, now)
  if (!job) return false
  await reportFinished(env, db, executionCtx, job, now)
  return true
}

/** Writes the API Status entry of a job that `finishStatement` just completed. */
export async function reportFinished(
  env: Env,
  db: Database,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  job: UploadJob,
  now: number,
): Promise<void> {
  const jobId = job.id
  const failures = await db
    .select()
    .from(uploadRowFailures)
    .where(eq(uploadRowFailures.jobId, jobId))
    .orderBy(asc(uploadRowFailures.rowNumber))
    .limit(MAX_FAILED_RECORDS_KEPT)
  recordCall(env, executionCtx, job.orgId, {
    time: now,
    requestId: job.id,
    method: 'POST',
    path: `/api/uploads/${job.id}`,
    api: job.entity,
    source: 'csv_upload',
    keyPrefix: null,
    httpStatus: 200,
    recordsSent: job.rowsTotal ?? 0,
    recordsFailed: job.rowsFailed,
    failedRecords: failures.map((failure) => ({
      index: failure.rowNumber - 2,
      id: failure.recordId,
      message: `Row ${failure.rowNumber}: ${failure.message}`,
    })),
    durationMs: now - (job.startedAt ?? job.createdAt),
    message: `CSV upload ${job.fileName}: ${job.rowsWritten} written, ${job.rowsFailed} failed.`,
  })
  logEvent('upload.completed', { jobId, written: job.rowsWritten, failed: job.rowsFailed })
}

/** Progress figures the console shows while a job runs. */
export interface UploadProgress {
  rowsRead: number
  rowsWritten: number
  rowsFailed: number
  /** Rows in the file: exact once the scan is done, otherwise estimated from bytes scanned. */
  rowsTotal: number | null
  rowsTotalIsEstimate: boolean
  /** Rows written or failed per second since the job started. */
  rowsPerSecond: number | null
  secondsLeft: number | null
}

/** Computes rate and time left from the job's counts. */
export function progressOf(job: UploadJob, now = Date.now()): UploadProgress {
  const done = job.rowsWritten + job.rowsFailed
  let rowsTotal = job.rowsTotal
  const estimate = rowsTotal === null && job.scanOffset > 0 && job.rowsRead > 0
  if (estimate) rowsTotal = Math.round((job.rowsRead * job.size) / job.scanOffset)
  const elapsed = job.startedAt ? ((job.finishedAt ?? now) - job.startedAt) / 1000 : 0
  const rowsPerSecond = elapsed > 0 && done > 0 ? done / elapsed : null
  const secondsLeft =
    rowsPerSecond && rowsTotal !== null && job.status === 'running'
      ? Math.max(0, (rowsTotal - done) / rowsPerSecond)
      : null
  return {
    rowsRead: job.rowsRead,
    rowsWritten: job.rowsWritten,
    rowsFailed: job.rowsFailed,
    rowsTotal,
    rowsTotalIsEstimate: estimate,
    rowsPerSecond,
    secondsLeft,
  }
}

/** Lists the job's first failed rows, for the results panel. */
export async function firstFailures(db: Database, jobId: string, limit = 20) {
  return db
    .select({
      rowNumber: uploadRowFailures.rowNumber,
      recordId: uploadRowFailures.recordId,
      message: uploadRowFailures.message,
    })
    .from(uploadRowFailures)
    .where(eq(uploadRowFailures.jobId, jobId))
    .orderBy(asc(uploadRowFailures.rowNumber))
    .limit(limit)
}
