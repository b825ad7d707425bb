import { and, desc, eq, inArray, sql } from 'drizzle-orm'

import type { Database } from '../db/client'
import type { Env } from '../env'
import { eventSources } from '../events/events.schema'
import { createId } from '../lib/ids'
import { logEvent } from '../lib/log'
import { takesDimensions, uploadFields } from './fields'
import { PREFLIGHT_SAMPLE_BYTES, runPreflight, type PreflightReport } from './preflight'
import {
  uploadJobs,
  type DateFormat,
  type UploadEntity,
  type UploadOptions,
  type UploadStatus,
} from './uploads.schema'

/** Size of every multipart part but the last. R2 needs equal parts of 5 MiB to 5 GiB. */
export const PART_SIZE = 10 * 1024 * 1024

/** Largest file accepted, in bytes: 10,000 parts of 10 MiB would allow more, this bounds storage. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024 * 1024

export type UploadJob = typeof uploadJobs.$inferSelect

/** An error whose message is shown to the user, with the HTTP status it maps to. */
export class UploadError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message)
    this.name = 'UploadError'
  }
}

/** Number of parts a file of `size` bytes is uploaded in, and the size of part `partNumber`. */
export function partLayout(size: number, partNumber?: number) {
  const partCount = Math.max(1, Math.ceil(size / PART_SIZE))
  const partBytes =
    partNumber === undefined ? PART_SIZE : Math.min(PART_SIZE, size - (partNumber - 1) * PART_SIZE)
  return { partCount, partBytes }
}

/** Loads one job of the org; another org's job is reported as not found. */
export async function getJob(db: Database, orgId: string, jobId: string): Promise<UploadJob> {
  const [job] = await db
    .select()
    .from(uploadJobs)
    .where(and(eq(uploadJobs.id, jobId), eq(uploadJobs.orgId, orgId)))
    .limit(1)
  if (!job) throw new UploadError(404, `Upload ${jobId} not found in your org.`)
  return job
}

/** Lists the org's uploads, newest first. */
export async function listJobs(db: Database, orgId: string, limit = 50): Promise<UploadJob[]> {
  return db
    .select()
    .from(uploadJobs)
    .where(eq(uploadJobs.orgId, orgId))
    .orderBy(desc(uploadJobs.createdAt))
    .limit(limit)
}

/** Input to `createJob`; `eventSourceId` is required for events and rejected otherwise. */
export interface CreateJobInput {
  orgId: string
  userId: string
  entity: UploadEntity
  fileName: string
  size: number
  eventSourceId?: string
}

/** Checks that an events upload names an event source of the org, and only events do. */
async function checkEventSource(db: Database, input: CreateJobInput): Promise<void> {
  if (input.entity !== 'events') {
    if (input.eventSourceId !== undefined) {
      throw new UploadError(
        400,
        `eventSourceId applies to events uploads only, not ${input.entity}.`,
      )
    }
    return
  }
  if (!input.eventSourceId) {
    throw new UploadError(
      400,
      'Missing eventSourceId: choose the event source the events belong to.',
    )
  }
  const [source] = await db
    .select({ id: eventSources.id })
    .from(eventSources)
    .where(and(eq(eventSources.id, input.eventSourceId), eq(eventSources.orgId, input.orgId)))
    .limit(1)
  if (!source) {
    throw new UploadError(
      404,
      `Event source ${input.eventSourceId} not found in your org: pick one from Source overview.`,
    )
  }
}

/** Creates a job and its R2 multipart upload; the browser then sends the parts. */
export async function createJob(env: Env, db: Database, input: CreateJobInput) {
  if (input.size > MAX_UPLOAD_BYTES) {
    throw new UploadError(400, `The file is ${input.size} bytes; the limit is ${MAX_UPLOAD_BYTES}.`)
  }
  await checkEventSource(db, input)
  const id = createId('upl')
  const r2Key = `${input.orgId}/${id}.csv`
  const multipart = await env.UPLOADS.createMultipartUpload(r2Key, {
    httpMetadata: { contentType: 'text/csv' },
  })
  const now = Date.now()
  const [job] = await db
    .insert(uploadJobs)
    .values({
      id,
      orgId: input.orgId,
      createdBy: input.userId,
      entity: input.entity,
      fileName: input.fileName,
      r2Key,
      size: input.size,
      multipartUploadId: multipart.uploadId,
      parts: [],
      status: 'uploading',
      options: input.eventSourceId ? { eventSourceId: input.eventSourceId } : {},
      createdAt: now,
      lastProgressAt: now,
    })
    .returning()
  logEvent('upload.created', { jobId: id, orgId: input.orgId, size: input.size })
  return { job: job!, ...partLayout(input.size), partSize: PART_SIZE }
}

/**
 * Streams one part of the file into R2. The body must be exactly the part's size, because R2
 * needs equal parts and a stream of known length. A `FixedLengthStream` enforces both.
 */
export async function uploadPart(
  env: Env,
  db: Database,
  job: UploadJob,
  partNumber: number,
  body: ReadableStream<Uint8Array> | null,
  contentLength: number | null,
) {
  const { partCount, partBytes } = partLayout(job.size, partNumber)
  if (job.status !== 'uploading' || !job.multipartUploadId) {
    throw new UploadError(409, `Upload ${job.id} is ${job.status}; parts can no longer be sent.`)
  }
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > partCount) {
    throw new UploadError(400, `Part ${partNumber} is out of range: send parts 1 to ${partCount}.`)
  }
  if (body === null || contentLength !== partBytes) {
    throw new UploadError(
      400,
      `Part ${partNumber} must be exactly ${partBytes} bytes with a Content-Length header; got ${contentLength ?? 'none'}.`,
    )
  }

  const { readable, writable } = new FixedLengthStream(partBytes)
  const piping = body.pipeTo(writable)
  const multipart = env.UPLOADS.resumeMultipartUpload(job.r2Key, job.multipartUploadId)
  const [part] = await Promise.all([multipart.uploadPart(partNumber, readable), piping])
  await db
    .update(uploadJobs)
    .set({
      parts: sql`json_insert(${uploadJobs.parts}, '$[#]', json(${JSON.stringify(part)}))`,
      lastProgressAt: Date.now(),
    })
    .where(eq(uploadJobs.id, job.id))
  return { partNumber, etag: part.etag }
}

/** Reads the first megabyte of the stored file and runs preflight with the user's choices. */
export async function preflightJob(
  env: Env,
  job: UploadJob,
  choices: { mapping?: Record<string, string>; dateFormat?: DateFormat } = {},
): Promise<PreflightReport> {
  const object = await env.UPLOADS.get(job.r2Key, {
    range: { offset: 0, length: PREFLIGHT_SAMPLE_BYTES },
  })
  if (!object) throw new UploadError(409, `The file of upload ${job.id} is not stored yet.`)
  const sample = new Uint8Array(await object.arrayBuffer())
  return runPreflight({
    sample,
    complete: job.size <= PREFLIGHT_SAMPLE_BYTES,
    fields: uploadFields(job.entity),
    dimensions: takesDimensions(job.entity),
    entity: job.entity,
    mapping: choices.mapping,
    dateFormat: choices.dateFormat,
  })
}

/** Completes the R2 multipart upload, then runs preflight and stores its findings. */
export async function completeUpload(env: Env, db: Database, job: UploadJob) {
  if (job.status !== 'uploading' || !job.multipartUploadId) {
    throw new UploadError(409, `Upload ${job.id} is ${job.status}, not uploading.`)
  }
  const { partCount } = partLayout(job.size)
  const parts = new Map(job.parts.map((part) => [part.partNumber, part]))
  const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !parts.has(n))
  if (missing.length > 0) {
    throw new UploadError(
      409,
      `Parts ${missing.join(', ')} of ${partCount} are missing: send them first.`,
    )
  }
  const multipart = env.UPLOADS.resumeMultipartUpload(job.r2Key, job.multipartUploadId)
  await multipart.complete([...parts.values()].sort((a, b) => a.partNumber - b.partNumber))

  const report = await preflightJob(env, job)
  const options: UploadOptions = {
    ...job.options,
    delimiter: report.delimiter,
    header: report.header,
    hadBom: report.hadBom,
    mapping: report.mapping,
  }
  await db
    .update(uploadJobs)
    .set({
      status: 'preflighted',
      multipartUploadId: null,
      preflight: report,
      options,
      lastProgressAt: Date.now(),
    })
    .where(eq(uploadJobs.id, job.id))
  if (!report.sampleIsWholeFile) await env.JOBS.send({ type: 'upload.check', jobId: job.id })
  logEvent('upload.stored', { jobId: job.id, blocking: report.blocking })
  return report
}

/** Statuses from which a job can still be cancelled. */
const cancellable: UploadStatus[] = ['uploading', 'uploaded', 'preflighted', 'queued', 'running']

/** Cancels a job: no further chunks are processed; rows already written stay written. */
export async function cancelJob(env: Env, db: Database, job: UploadJob) {
  const [updated] = await db
    .update(uploadJobs)
    .set({ status: 'cancelled', finishedAt: Date.now(), message: 'Cancelled by a user.' })
    .where(and(eq(uploadJobs.id, job.id), inArray(uploadJobs.status, cancellable)))
    .returning()
  if (!updated)
    throw new UploadError(409, `Upload ${job.id} is ${job.status} and cannot be cancelled.`)
  if (job.multipartUploadId) {
    await env.UPLOADS.resumeMultipartUpload(job.r2Key, job.multipartUploadId).abort()
  }
  logEvent('upload.cancelled', { jobId: job.id })
  return updated
}

/**
 * Starts processing with the user's mapping and date format. Preflight runs again with those
 * choices and any error finding rejects the start with its message.
 */
export async function startJob(
  env: Env,
  db: Database,
  job: UploadJob,
  choices: { mapping: Record<string, string>; dateFormat?: DateFormat },
) {
  if (job.status !== 'preflighted') {
    throw new UploadError(
      409,
      `Upload ${job.id} is ${job.status}; only a stored, checked file can start.`,
    )
  }
  const report = await preflightJob(env, job, choices)
  const errors = report.findings.filter((finding) => finding.level === 'error')
  if (errors.length > 0) {
    throw new UploadError(400, errors.map((finding) => finding.message).join(' '))
  }
  const now = Date.now()
  const options: UploadOptions = {
    ...job.options,
    mapping: choices.mapping,
    dateFormat: choices.dateFormat,
  }
  const [started] = await db
    .update(uploadJobs)
    .set({ status: 'queued', options, preflight: report, startedAt: now, lastProgressAt: now })
    .where(and(eq(uploadJobs.id, job.id), eq(uploadJobs.status, 'preflighted')))
    .returning()
  if (!started) throw new UploadError(409, `Upload ${job.id} was started or cancelled meanwhile.`)
  await env.JOBS.send({ type: 'upload.scan', jobId: job.id })
  logEvent('upload.started', { jobId: job.id })
  return started
}
