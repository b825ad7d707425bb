import { TRPCError } from '@trpc/server'
import { z } from 'zod'

import { consoleProcedure, router } from '../trpc/init'
import { uploadFields } from './fields'
import { firstFailures, progressOf } from './results'
import { dateFormats, uploadEntities } from './uploads.schema'
import {
  cancelJob,
  createJob,
  getJob,
  listJobs,
  preflightJob,
  startJob,
  UploadError,
  type UploadJob,
} from './uploads.service'

const entityInput = z.enum(uploadEntities, {
  error: `entity must be one of ${uploadEntities.join(', ')}.`,
})
const jobIdInput = z.object({ jobId: z.string().min(1, { error: 'Missing jobId.' }) })
const choicesInput = jobIdInput.extend({
  mapping: z.record(z.string(), z.string().min(1)),
  dateFormat: z
    .enum(dateFormats, { error: `dateFormat must be one of ${dateFormats.join(', ')}.` })
    .optional(),
})

const trpcCodes = { 400: 'BAD_REQUEST', 404: 'NOT_FOUND', 409: 'CONFLICT' } as const

async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof UploadError) {
      throw new TRPCError({ code: trpcCodes[error.status], message: error.message })
    }
    throw error
  }
}

/** The job as the console shows it: no R2 key or multipart id. */
function jobView(job: UploadJob) {
  return {
    id: job.id,
    entity: job.entity,
    fileName: job.fileName,
    size: job.size,
    status: job.status,
    options: job.options,
    message: job.message,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    progress: progressOf(job),
  }
}

/** CSV uploads: create a job, check and map the file, start, watch, cancel. */
export const uploadsRouter = router({
  /** Lists the fields an upload can fill, for the field table. */
  fields: consoleProcedure('viewer')
    .input(z.object({ entity: entityInput }))
    .query(({ input }) => uploadFields(input.entity)),

  /** Creates a job; the browser then PUTs the parts to `/api/uploads/:jobId/parts/:n`. */
  create: consoleProcedure('data_manager')
    .input(
      z.object({
        entity: entityInput,
        fileName: z.string().trim().min(1, { error: 'Missing fileName.' }).max(255),
        size: z.number().int().positive({ error: 'The file is empty: pick a file with rows.' }),
        eventSourceId: z.string().min(1).optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      run(async () => {
        const created = await createJob(ctx.env, ctx.db, {
          ...input,
          orgId: ctx.principal.orgId,
          userId: ctx.principal.userId,
        })
        return {
          job: jobView(created.job),
          partSize: created.partSize,
          partCount: created.partCount,
        }
      }),
    ),

  /** Re-runs preflight with a proposed mapping and date format, without starting. */
  check: consoleProcedure('data_manager')
    .input(choicesInput)
    .mutation(({ ctx, input }) =>
      run(async () => {
        const job = await getJob(ctx.db, ctx.principal.orgId, input.jobId)
        return preflightJob(ctx.env, job, input)
      }),
    ),

  /** Starts processing with the chosen mapping and date format. */
  start: consoleProcedure('data_manager')
    .input(choicesInput)
    .mutation(({ ctx, input }) =>
      run(async () => {
        const job = await getJob(ctx.db, ctx.principal.orgId, input.jobId)
        return jobView(await startJob(ctx.env, ctx.db, job, input))
      }),
    ),

  /** Returns one job with progress, its preflight report and its first failed rows. */
  get: consoleProcedure('viewer')
    .input(jobIdInput)
    .query(({ ctx, input }) =>
      run(async () => {
        const job = await getJob(ctx.db, ctx.principal.orgId, input.jobId)
        return {
          ...jobView(job),
          preflight: job.preflight,
          fileCheck: job.fileCheck,
          failures: await firstFailures(ctx.db, job.id),
        }
      }),
    ),

  /** Lists the org's uploads, newest first. */
  list: consoleProcedure('viewer').query(async ({ ctx }) =>
    (await listJobs(ctx.db, ctx.principal.orgId)).map(jobView),
  ),

  /** Cancels a job; rows already written stay written. */
  cancel: consoleProcedure('data_manager')
    .input(jobIdInput)
    .mutation(({ ctx, input }) =>
      run(async () => {
        const job = await getJob(ctx.db, ctx.principal.orgId, input.jobId)
        return jobView(await cancelJob(ctx.env, ctx.db, job))
      }),
    ),
})
