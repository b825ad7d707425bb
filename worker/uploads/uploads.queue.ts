import { and, eq, inArray, lt } from 'drizzle-orm'

import { createDb, type Database } from '../db/client'
import type { Env } from '../env'
import { logError, logEvent } from '../lib/log'
import { failChunk, processChunk } from './chunk'
import { checkWholeFile, type FileCheckMessage } from './file-check'
import { finishIfDone } from './results'
import { scanJob, sendMessages, type ChunkMessage, type ScanMessage } from './scan'
import { uploadChunks, uploadJobs } from './uploads.schema'

/**
 * A running job that records no progress for this long has lost its queue messages (a restart or
 * a dropped message), so the cron sweep re-drives it. Each 1,000-row chunk updates the job's
 * progress in well under a second locally, so a minute without progress is not normal work. A
 * false re-drive costs only duplicate messages, which the handlers skip or write idempotently.
 */
export const STALL_MS = 60_000

/** An upload whose parts stop arriving for this long is abandoned and its parts discarded. */
export const ABANDONED_UPLOAD_MS = 24 * 3600_000

/** Messages one consumer invocation handles at once. */
const CHUNK_CONCURRENCY = 4

/** Queue messages this capability handles. */
export type UploadMessage = ScanMessage | ChunkMessage | FileCheckMessage

/** True when a queue message body belongs to uploads. */
export function isUploadMessage(body: unknown): body is UploadMessage {
  const type = (body as { type?: unknown } | null)?.type
  return type === 'upload.scan' || type === 'upload.chunk' || type === 'upload.check'
}

/**
 * Handles upload messages from the jobs queue, acking each one as it finishes. A failing message
 * is retried with backoff, and after the queue's max_retries it moves to the dead-letter queue.
 */
export async function handleUploadMessages(
  messages: readonly Message<UploadMessage>[],
  env: Env,
  executionCtx: ExecutionContext,
): Promise<void> {
  const db = createDb(env.DB)
  const handle = async (message: Message<UploadMessage>) => {
    const body = message.body
    try {
      if (body.type === 'upload.scan') await scanJob(env, db, executionCtx, body.jobId)
      else if (body.type === 'upload.check') await checkWholeFile(env, db, body.jobId)
      else await processChunk(env, db, executionCtx, body.jobId, body.chunkIndex)
      message.ack()
    } catch (error) {
      logError('upload.message_failed', error, { ...body, attempts: message.attempts })
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) })
    }
  }

  // Chunks run a few at a time: reading R2 and validating overlap with D1 writes, while D1,
  // which runs one query at a time, is not flooded.
  const queue = [...messages]
  const workers = Array.from({ length: CHUNK_CONCURRENCY }, async () => {
    for (let message = queue.shift(); message; message = queue.shift()) await handle(message)
  })
  await Promise.all(workers)
}

/**
 * Handles upload messages that exhausted their retries. A chunk's rows are reported failed, a scan
 * fails its job and a whole-file check is only logged. Acks each, since the dead-letter queue has
 * nowhere further to send them.
 */
export async function handleUploadDeadLetters(
  messages: readonly Message<UploadMessage>[],
  env: Env,
  executionCtx: ExecutionContext,
): Promise<void> {
  const db = createDb(env.DB)
  for (const message of messages) {
    const body = message.body
    try {
      if (body.type === 'upload.chunk') {
        await failChunk(env, db, executionCtx, body.jobId, body.chunkIndex, message.attempts)
      } else if (body.type === 'upload.scan') {
        await failJob(db, body.jobId, 'Reading the file failed repeatedly. Upload it again.')
      } else {
        logEvent('upload.file_check_dead_lettered', { jobId: body.jobId })
      }
      message.ack()
    } catch (error) {
      logError('upload.dead_letter_failed', error, { ...body })
      message.retry({ delaySeconds: 30 })
    }
  }
}

async function failJob(db: Database, jobId: string, message: string) {
  await db
    .update(uploadJobs)
    .set({ status: 'failed', message, finishedAt: Date.now() })
    .where(and(eq(uploadJobs.id, jobId), inArray(uploadJobs.status, ['queued', 'running'])))
  logEvent('upload.failed', { jobId, message })
}

/**
 * Re-drives upload work lost to a crash or a dropped message. For jobs without progress for
 * STALL_MS, an unfinished scan and every pending chunk not sent within STALL_MS are sent again, and
 * jobs whose last chunk finished without closing the job are finished. Safe to run at any time, because every handler skips work already done.
 */
export async function sweepUploads(
  env: Env,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  now = Date.now(),
): Promise<{ scans: number; chunks: number }> {
  const db = createDb(env.DB)
  const before = now - STALL_MS
  const active = inArray(uploadJobs.status, ['queued', 'running'])
  const stalledJobs = await db
    .select({ id: uploadJobs.id, scanDone: uploadJobs.scanDone })
    .from(uploadJobs)
    .where(and(active, lt(uploadJobs.lastProgressAt, before)))
    .limit(100)
  const stalledChunks = await db
    .select({ jobId: uploadChunks.jobId, chunkIndex: uploadChunks.chunkIndex })
    .from(uploadChunks)
    .innerJoin(uploadJobs, eq(uploadJobs.id, uploadChunks.jobId))
    .where(
      and(
        active,
        lt(uploadJobs.lastProgressAt, before),
        eq(uploadChunks.status, 'pending'),
        lt(uploadChunks.updatedAt, before),
      ),
    )
    .limit(1000)

  const messages: (ScanMessage | ChunkMessage)[] = [
    ...stalledJobs
      .filter((job) => !job.scanDone)
      .map((job) => ({ type: 'upload.scan' as const, jobId: job.id })),
    ...stalledChunks.map((chunk) => ({ type: 'upload.chunk' as const, ...chunk })),
  ]
  for (const chunk of stalledChunks) {
    await db
      .update(uploadChunks)
      .set({ updatedAt: now })
      .where(
        and(eq(uploadChunks.jobId, chunk.jobId), eq(uploadChunks.chunkIndex, chunk.chunkIndex)),
      )
  }
  await sendMessages(env, messages)
  for (const job of stalledJobs.filter((candidate) => candidate.scanDone)) {
    await finishIfDone(env, db, executionCtx, job.id)
  }
  await abandonUploads(env, db, now)
  const scans = messages.length - stalledChunks.length
  if (messages.length > 0) logEvent('upload.sweep_redrove', { scans, chunks: stalledChunks.length })
  return { scans, chunks: stalledChunks.length }
}

/** Fails uploads whose parts stopped arriving, and aborts their R2 multipart uploads. */
async function abandonUploads(env: Env, db: Database, now: number) {
  const abandoned = await db
    .update(uploadJobs)
    .set({
      status: 'failed',
      finishedAt: now,
      message: 'The file upload was not completed within 24 hours. Upload the file again.',
    })
    .where(
      and(
        eq(uploadJobs.status, 'uploading'),
        lt(uploadJobs.lastProgressAt, now - ABANDONED_UPLOAD_MS),
      ),
    )
    .returning({
      id: uploadJobs.id,
      r2Key: uploadJobs.r2Key,
      uploadId: uploadJobs.multipartUploadId,
    })
  for (const job of abandoned) {
    if (job.uploadId) await env.UPLOADS.resumeMultipartUpload(job.r2Key, job.uploadId).abort()
    logEvent('upload.abandoned', { jobId: job.id })
  }
}
