import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { DEMO_ADMIN } from './harness'

/** Rows in the generated file: enough that processing takes over 10 seconds locally. */
const ROWS = 150_000

/** This file's port on 127.0.0.1, outside the range the browser tests pick from. */
const PORT = 8841

/** Stall threshold of the upload sweep, as `STALL_MS` in worker/uploads/uploads.queue.ts. */
const STALL_MS = 60_000

interface StackModule {
  startStack(options: {
    port: number
    persistTo: string
    adminPassword: string
  }): Promise<{ url: string; stop: () => Promise<void> }>
}

type Headers = Record<string, string>

interface JobView {
  status: string
  progress: { rowsWritten: number; rowsFailed: number; rowsTotal: number | null }
}

async function loadStackModule(): Promise<StackModule> {
  const modulePath = path.join(import.meta.dirname, '..', 'scripts', 'stack.mjs')
  return (await import(modulePath)) as StackModule
}

function accountsCsv(rows: number): Buffer {
  const lines = ['account_id,name,join_date']
  for (let i = 0; i < rows; i++) lines.push(`restart-${i},Company ${i},2021-03-01`)
  return Buffer.from(`${lines.join('\n')}\n`)
}

async function signIn(url: string): Promise<Headers> {
  const response = await fetch(`${url}/api/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: DEMO_ADMIN.email, password: DEMO_ADMIN.password }),
  })
  expect(response.status).toBe(200)
  const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]!)
  const csrf = cookies.find((cookie) => cookie.startsWith('sy_csrf='))!.slice('sy_csrf='.length)
  return { cookie: cookies.join('; '), 'x-csrf-token': decodeURIComponent(csrf) }
}

async function call<T>(url: string, headers: Headers, procedure: string, input: unknown) {
  const isQuery = procedure.endsWith('.get') || procedure.endsWith('.list')
  const query = isQuery ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ''
  const response = await fetch(`${url}/api/trpc/${procedure}${query}`, {
    method: isQuery ? 'GET' : 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: isQuery ? undefined : JSON.stringify(input),
  })
  const json = (await response.json()) as { result?: { data: T }; error?: { message: string } }
  if (!json.result) throw new Error(`${procedure} failed: ${json.error?.message}`)
  return json.result.data
}

/** Uploads `bytes` as the console does, starts processing, and returns the job id. */
async function startUpload(url: string, headers: Headers, bytes: Buffer): Promise<string> {
  const created = await call<{ job: { id: string }; partSize: number; partCount: number }>(
    url,
    headers,
    'uploads.create',
    { entity: 'accounts', fileName: 'restart.csv', size: bytes.length },
  )
  const jobId = created.job.id
  for (let part = 1; part <= created.partCount; part++) {
    const slice = bytes.subarray((part - 1) * created.partSize, part * created.partSize)
    const body = new Uint8Array(slice)
    const response = await fetch(`${url}/api/uploads/${jobId}/parts/${part}`, {
      method: 'PUT',
      headers,
      body,
    })
    expect(response.status).toBe(200)
  }
  const completed = await fetch(`${url}/api/uploads/${jobId}/complete`, {
    method: 'POST',
    headers,
  })
  const { preflight } = (await completed.json()) as { preflight: { mapping: object } }
  await call(url, headers, 'uploads.start', { jobId, mapping: preflight.mapping })
  return jobId
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('upload across a restart', () => {
  let persistTo: string | undefined
  let stop: (() => Promise<void>) | undefined

  afterAll(async () => {
    await stop?.()
    if (persistTo) await rm(persistTo, { recursive: true, force: true })
  })

  it('finishes a job after the stack restarts', async () => {
    const { startStack } = await loadStackModule()
    persistTo = await mkdtemp(path.join(tmpdir(), 'switchyard-restart-'))
    const options = { port: PORT, persistTo, adminPassword: DEMO_ADMIN.password }

    const first = await startStack(options)
    stop = first.stop
    let headers = await signIn(first.url)
    const jobId = await startUpload(first.url, headers, accountsCsv(ROWS))
    const getJob = (url: string) => call<JobView>(url, headers, 'uploads.get', { jobId })
    const before = await waitFor(
      () => getJob(first.url),
      (job) => job.progress.rowsWritten > 0,
      60_000,
    )
    await first.stop()
    stop = undefined

    expect(before.status).toBe('running')
    expect(before.progress.rowsWritten).toBeGreaterThan(0)
    expect(before.progress.rowsWritten + before.progress.rowsFailed).toBeLessThan(ROWS)

    const second = await startStack(options)
    stop = second.stop
    headers = await signIn(second.url)
    // wrangler dev fires no cron by itself, so miniflare's trigger endpoint runs the scheduled
    // handler. `time` is when the next cron would run once the job counts as stalled.
    const sweep = await fetch(
      `${second.url}/cdn-cgi/local/scheduled?cron=*/5+*+*+*+*&time=${Date.now() + STALL_MS + 1_000}`,
    )
    expect(sweep.status).toBe(200)

    const after = await waitFor(
      () => getJob(second.url),
      (job) => !['queued', 'running'].includes(job.status),
      120_000,
    )
    expect(after.status).toBe('completed')
    expect(after.progress.rowsTotal).toBe(ROWS)
    expect(after.progress.rowsWritten + after.progress.rowsFailed).toBe(ROWS)
    const listed = await call<{ total: number }>(second.url, headers, 'accounts.list', {
      page: 0,
      pageSize: 1,
      includeInactive: true,
    })
    expect(listed.total).toBe(after.progress.rowsWritten)
  })
})
