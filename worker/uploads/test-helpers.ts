import { SELF } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'

import { createDb } from '../db/client'
import { uploadJobs } from './uploads.schema'

/** Headers of a signed-in console user, as `createSignedInUser` returns them. */
export type SessionHeaders = Record<string, string>

/** Calls a tRPC procedure through the Worker and returns its data or error. */
export async function trpc(
  headers: SessionHeaders,
  path: string,
  input: unknown,
  kind: 'query' | 'mutation' = 'mutation',
) {
  const query = kind === 'query' ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ''
  const response = await SELF.fetch(
    new Request(`http://x/api/trpc/${path}${query}`, {
      method: kind === 'query' ? 'GET' : 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: kind === 'query' ? undefined : JSON.stringify(input),
    }),
  )
  const json = (await response.json()) as {
    result?: { data: unknown }
    error?: { message: string; data: { code: string } }
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read untyped JSON
  return { status: response.status, data: json.result?.data as any, error: json.error }
}

/** Sends a REST request to `/api/uploads/...` through the Worker. */
export function rest(headers: SessionHeaders, method: string, path: string, body?: BodyInit) {
  return SELF.fetch(new Request(`http://x/api/uploads/${path}`, { method, headers, body }))
}

/** Creates a job and uploads `bytes` in parts as the browser does, then completes it. */
export async function uploadBytes(
  headers: SessionHeaders,
  bytes: Uint8Array,
  entity = 'accounts',
  fileName = 'accounts.csv',
  extra: Record<string, unknown> = {},
) {
  const created = await trpc(headers, 'uploads.create', {
    entity,
    fileName,
    size: bytes.length,
    ...extra,
  })
  if (!created.data) throw new Error(`create failed: ${created.error?.message}`)
  const { job, partSize, partCount } = created.data
  for (let part = 1; part <= partCount; part++) {
    const slice = bytes.slice((part - 1) * partSize, part * partSize)
    const response = await rest(headers, 'PUT', `${job.id}/parts/${part}`, slice)
    if (response.status !== 200) throw new Error(`part ${part}: ${await response.text()}`)
  }
  const completed = await rest(headers, 'POST', `${job.id}/complete`)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read untyped JSON
  const body = (await completed.json()) as { preflight: any; message?: string }
  if (completed.status !== 200) throw new Error(`complete failed: ${body.message}`)
  return { jobId: job.id as string, preflight: body.preflight }
}

/** Polls D1 until the job leaves the queued and running states, or fails after `timeoutMs`. */
export async function waitForJob(jobId: string, timeoutMs = 20_000) {
  const db = createDb(env.DB)
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const [job] = await db.select().from(uploadJobs).where(eq(uploadJobs.id, jobId))
    if (job && !['queued', 'running'].includes(job.status)) return job
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`Upload ${jobId} did not finish within ${timeoutMs} ms`)
}
