import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { and, count, eq, gt } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { accounts } from '../accounts/accounts.schema'
import { createDb } from '../db/client'
import type { Env } from '../env'
import { handleQueueBatch } from '../queue'
import { runScheduled } from '../scheduled'
import { statusLogFor } from '../status-log/status-log.client'
import { createOrg, createSignedInUser } from '../../test/fixtures'
import { processChunk } from './chunk'
import { scanJob } from './scan'
import { trpc, uploadBytes, waitForJob } from './test-helpers'
import { uploadChunks, uploadJobs, uploadRowFailures } from './uploads.schema'
import { getJob, startJob } from './uploads.service'
import { ABANDONED_UPLOAD_MS, STALL_MS, sweepUploads } from './uploads.queue'

const encoder = new TextEncoder()
const db = () => createDb(env.DB)

/** The real bindings with a queue producer that drops messages, as if the Worker died first. */
const envWithoutQueue: Env = {
  ...env,
  JOBS: { send: async () => {}, sendBatch: async () => {} } as unknown as Queue,
}

function csv(rows: number, badEvery = 0): string {
  const lines = ['account_id,name,join_date']
  for (let i = 0; i < rows; i++) {
    const date = badEvery > 0 && i % badEvery === 0 ? 'never' : '2020-01-01'
    lines.push(`r-${i},Name ${i},${date}`)
  }
  return lines.join('\n') + '\n'
}

/** A scan budget no test file reaches, so one scan call cuts the whole file. */
const unbounded = { chunks: Infinity, ms: Infinity }

/** Uploads and scans a file with messages dropped: chunks are saved in D1 but never delivered. */
async function stalledJob(rows: number, badEvery = 0) {
  const org = await createOrg()
  const { headers } = await createSignedInUser(org.id)
  const { jobId, preflight } = await uploadBytes(headers, encoder.encode(csv(rows, badEvery)))
  const job = await getJob(db(), org.id, jobId)
  await startJob(envWithoutQueue, db(), job, { mapping: preflight.mapping })
  await scanJob(envWithoutQueue, db(), createExecutionContext(), jobId, unbounded)
  return { org, headers, jobId }
}

async function countRows(orgId: string) {
  const [row] = await db().select({ n: count() }).from(accounts).where(eq(accounts.orgId, orgId))
  return row?.n
}

describe('upload processing', () => {
  it('cuts chunks in D1 before sending messages', async () => {
    const { org, jobId } = await stalledJob(1_100)
    const chunks = await db().select().from(uploadChunks).where(eq(uploadChunks.jobId, jobId))
    expect(chunks.map((c) => [c.firstRow, c.rowCount, c.status])).toEqual([
      [2, 1000, 'pending'],
      [1002, 100, 'pending'],
    ])
    const job = await getJob(db(), org.id, jobId)
    expect(job.scanDone).toBe(true)
    expect(job.rowsTotal).toBe(1_100)
    expect(job.status).toBe('running')
  })

  it('resumes a scan from its saved offset', async () => {
    const { org, jobId } = await stalledJob(2_500)
    const before = await db()
      .select()
      .from(uploadChunks)
      .where(eq(uploadChunks.jobId, jobId))
      .orderBy(uploadChunks.chunkIndex)
    expect(before.length).toBe(3)

    // Roll the scan back to the end of the first chunk, as if it had stopped there.
    await db()
      .delete(uploadChunks)
      .where(and(eq(uploadChunks.jobId, jobId), gt(uploadChunks.chunkIndex, 0)))
    await db()
      .update(uploadJobs)
      .set({ scanDone: false, rowsTotal: null, rowsRead: 1_000, scanOffset: before[0]!.byteEnd })
      .where(eq(uploadJobs.id, jobId))
    await scanJob(env, db(), createExecutionContext(), jobId, unbounded)

    const after = await db()
      .select()
      .from(uploadChunks)
      .where(eq(uploadChunks.jobId, jobId))
      .orderBy(uploadChunks.chunkIndex)
    expect(after.map((c) => [c.firstRow, c.rowCount, c.byteStart, c.byteEnd])).toEqual(
      before.map((c) => [c.firstRow, c.rowCount, c.byteStart, c.byteEnd]),
    )
    // The resumed scan sent chunks 1 and 2. Chunk 0's message was dropped with the first scan.
    await processChunk(env, db(), createExecutionContext(), jobId, 0)
    const job = await waitForJob(jobId)
    expect(job.rowsTotal).toBe(2_500)
    expect(job.rowsWritten).toBe(2_500)
    expect(await countRows(org.id)).toBe(2_500)
  })

  it('splits a long scan into several messages', async () => {
    const org = await createOrg()
    const { headers } = await createSignedInUser(org.id)
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(csv(25_500, 1_000)))
    const sent: { type: string; jobId: string; chunkIndex?: number }[] = []
    const recording: Env = {
      ...env,
      JOBS: {
        send: async (body: never) => void sent.push(body),
        sendBatch: async (batch: { body: never }[]) => void sent.push(...batch.map((m) => m.body)),
      } as unknown as Queue,
    }
    await startJob(recording, db(), await getJob(db(), org.id, jobId), {
      mapping: preflight.mapping,
    })

    let scans = 0
    for (let message = sent.shift(); message; message = sent.shift()) {
      if (message.type === 'upload.scan') {
        scans += 1
        await scanJob(recording, db(), createExecutionContext(), jobId)
      } else if (message.type === 'upload.chunk') {
        await processChunk(recording, db(), createExecutionContext(), jobId, message.chunkIndex!)
      }
    }

    expect(scans).toBeGreaterThanOrEqual(2)
    const job = await getJob(db(), org.id, jobId)
    expect(job.status).toBe('completed')
    expect(job.rowsTotal).toBe(25_500)
    expect(job.rowsWritten).toBe(25_474)
    expect(job.rowsFailed).toBe(26)
    expect(await countRows(org.id)).toBe(25_474)
  })

  it('processes a redelivered chunk once', async () => {
    const { org, jobId } = await stalledJob(1_200, 7)
    const context = createExecutionContext()
    expect(await processChunk(env, db(), context, jobId, 0)).toBe('done')
    expect(await processChunk(env, db(), context, jobId, 0)).toBe('skipped')

    // A crash after the writes but before the chunk was marked done: run it again.
    await db().update(uploadChunks).set({ status: 'pending' }).where(eq(uploadChunks.jobId, jobId))
    expect(await processChunk(env, db(), context, jobId, 0)).toBe('done')
    expect(await processChunk(env, db(), context, jobId, 1)).toBe('done')
    await waitOnExecutionContext(context)

    const [job] = await db().select().from(uploadJobs).where(eq(uploadJobs.id, jobId))
    const failures = await db()
      .select({ n: count() })
      .from(uploadRowFailures)
      .where(eq(uploadRowFailures.jobId, jobId))
    const bad = Math.ceil(1_200 / 7)
    expect(job?.status).toBe('completed')
    expect(job?.rowsWritten).toBe(1_200 - bad)
    expect(job?.rowsFailed).toBe(bad)
    expect(failures[0]?.n).toBe(bad)
    expect(await countRows(org.id)).toBe(1_200 - bad)
  })

  it('acks duplicate messages in one batch', async () => {
    const { jobId } = await stalledJob(10)
    const body = { type: 'upload.chunk', jobId, chunkIndex: 0 }
    const batch = createMessageBatch('switchyard-jobs', [
      { id: 'm1', timestamp: Date.now(), attempts: 1, body },
      { id: 'm2', timestamp: Date.now(), attempts: 1, body },
    ])
    const context = createExecutionContext()
    await handleQueueBatch(batch, env, context)
    const result = await getQueueResult(batch, context)
    expect(result.explicitAcks.sort()).toEqual(['m1', 'm2'])
    const [job] = await db().select().from(uploadJobs).where(eq(uploadJobs.id, jobId))
    expect(job?.rowsWritten).toBe(10)
    expect(job?.status).toBe('completed')
  })

  it('re-drives stalled chunks from the cron sweep', async () => {
    const { org, jobId } = await stalledJob(1_200)

    const early = createExecutionContext()
    await runScheduled(createScheduledController({ scheduledTime: Date.now() }), env, early)
    const [untouched] = await db().select().from(uploadJobs).where(eq(uploadJobs.id, jobId))
    expect(untouched?.rowsWritten).toBe(0)

    const later = createExecutionContext()
    const scheduledTime = Date.now() + STALL_MS + 60_000
    await runScheduled(createScheduledController({ scheduledTime }), env, later)
    await waitOnExecutionContext(later)
    const job = await waitForJob(jobId)
    expect(job.status).toBe('completed')
    expect(job.rowsWritten).toBe(1_200)
    expect(await countRows(org.id)).toBe(1_200)
  })

  it('leaves a job with recent progress alone', async () => {
    const { jobId } = await stalledJob(1_200)
    const later = Date.now() + STALL_MS + 60_000
    // The chunks look old, but the job recorded progress just before the sweep runs.
    await db()
      .update(uploadJobs)
      .set({ lastProgressAt: later - 1_000 })
      .where(eq(uploadJobs.id, jobId))
    const swept = await sweepUploads(env, createExecutionContext(), later)
    expect(swept.chunks).toBe(0)
    const [job] = await db().select().from(uploadJobs).where(eq(uploadJobs.id, jobId))
    expect(job?.rowsWritten).toBe(0)
  })

  it('re-drives a scan that never ran', async () => {
    const org = await createOrg()
    const { headers } = await createSignedInUser(org.id)
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(csv(50)))
    await startJob(envWithoutQueue, db(), await getJob(db(), org.id, jobId), {
      mapping: preflight.mapping,
    })
    const context = createExecutionContext()
    const scheduledTime = Date.now() + STALL_MS + 60_000
    await runScheduled(createScheduledController({ scheduledTime }), env, context)
    const job = await waitForJob(jobId)
    expect(job.rowsWritten).toBe(50)
  })

  it('reports rows of a dead-lettered chunk as failed', async () => {
    const { org, jobId } = await stalledJob(20)
    const batch = createMessageBatch('switchyard-jobs-dlq', [
      {
        id: 'dead',
        timestamp: Date.now(),
        attempts: 6,
        body: { type: 'upload.chunk', jobId, chunkIndex: 0 },
      },
    ])
    const context = createExecutionContext()
    await handleQueueBatch(batch, env, context)
    const result = await getQueueResult(batch, context)
    expect(result.explicitAcks).toEqual(['dead'])

    const [job] = await db().select().from(uploadJobs).where(eq(uploadJobs.id, jobId))
    expect(job?.status).toBe('completed')
    expect(job?.rowsFailed).toBe(20)
    const failures = await db()
      .select()
      .from(uploadRowFailures)
      .where(eq(uploadRowFailures.jobId, jobId))
      .orderBy(uploadRowFailures.rowNumber)
    expect(failures.length).toBe(20)
    expect(failures[0]?.rowNumber).toBe(2)
    expect(failures[0]?.raw).toEqual(['r-0', 'Name 0', '2020-01-01'])
    expect(failures[0]?.message).toContain('Processing failed 6 times')
    const entries = await statusLogFor(env, org.id).list({ source: 'csv_upload' })
    expect(entries[0]?.outcome).toBe('Failure')
  })

  it('stops processing after cancel', async () => {
    const { org, headers, jobId } = await stalledJob(30)
    const cancelled = await trpc(headers, 'uploads.cancel', { jobId })
    expect(cancelled.data?.status).toBe('cancelled')
    expect(await processChunk(env, db(), createExecutionContext(), jobId, 0)).toBe('skipped')
    expect(await countRows(org.id)).toBe(0)
    const again = await trpc(headers, 'uploads.cancel', { jobId })
    expect(again.error?.data.code).toBe('CONFLICT')
  })

  it('cuts no chunks for a cancelled job', async () => {
    const org = await createOrg()
    const { headers } = await createSignedInUser(org.id)
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(csv(20)))
    await startJob(envWithoutQueue, db(), await getJob(db(), org.id, jobId), {
      mapping: preflight.mapping,
    })
    await trpc(headers, 'uploads.cancel', { jobId })
    await scanJob(env, db(), createExecutionContext(), jobId)
    const chunks = await db().select().from(uploadChunks).where(eq(uploadChunks.jobId, jobId))
    expect(chunks).toEqual([])
    const job = await getJob(db(), org.id, jobId)
    expect(job.status).toBe('cancelled')
  })

  it('fails uploads abandoned mid-file', async () => {
    const org = await createOrg()
    const { headers } = await createSignedInUser(org.id)
    const created = await trpc(headers, 'uploads.create', {
      entity: 'accounts',
      fileName: 'half.csv',
      size: 100,
    })
    const jobId = created.data.job.id
    const context = createExecutionContext()
    await runScheduled(createScheduledController({ scheduledTime: Date.now() }), env, context)
    expect((await getJob(db(), org.id, jobId)).status).toBe('uploading')

    const later = Date.now() + ABANDONED_UPLOAD_MS + 60_000
    await runScheduled(createScheduledController({ scheduledTime: later }), env, context)
    const job = await getJob(db(), org.id, jobId)
    expect(job.status).toBe('failed')
    expect(job.message).toContain('not completed within 24 hours')
  })
})
