import { env } from 'cloudflare:workers'
import { and, asc, count, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { createOrg, createSignedInUser } from '../../test/fixtures'
import { createDb } from '../db/client'
import { events } from '../events/events.schema'
import { createSource, eventually } from '../events/test-helpers'
import { statusLogFor } from '../status-log/status-log.client'
import { rest, trpc, uploadBytes, waitForJob } from './test-helpers'
import { uploadRowFailures } from './uploads.schema'

const encoder = new TextEncoder()
const db = () => createDb(env.DB)
const header = 'account_id,user_id,created_at,session_id,action,feature'

function eventRow(i: number, createdAt = Date.now() - 60_000 - i): string {
  return `acc_${i % 3},user_${i},${createdAt},sess_${i},feature,export`
}

async function eventOrg() {
  const org = await createOrg()
  const user = await createSignedInUser(org.id, 'data_manager')
  const source = await createSource(org.id)
  return { org, headers: user.headers, sourceId: source.sourceId }
}

async function storedEvents(orgId: string): Promise<number> {
  const [row] = await db().select({ n: count() }).from(events).where(eq(events.orgId, orgId))
  return row?.n ?? 0
}

async function runUpload(headers: Record<string, string>, text: string, sourceId: string) {
  const bytes = encoder.encode(text)
  const { jobId, preflight } = await uploadBytes(headers, bytes, 'events', 'events.csv', {
    eventSourceId: sourceId,
  })
  const started = await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
  if (!started.data) throw new Error(`start failed: ${started.error?.message}`)
  return { jobId, job: await waitForJob(jobId) }
}

describe('events upload', () => {
  it('serves an events template', async () => {
    const { headers } = await eventOrg()
    const response = await rest(headers, 'GET', 'templates/events.csv')
    expect(response.status).toBe(200)
    const columns = (await response.text()).trim().split(',')
    expect(columns.slice(0, 5)).toEqual([
      'account_id',
      'user_id',
      'created_at',
      'session_id',
      'action',
    ])
    expect(columns).toContain('feature')
    expect(columns.some((column) => column.startsWith('custom_'))).toBe(false)
  })

  it('lists event fields with keys', async () => {
    const { headers } = await eventOrg()
    const { data } = await trpc(headers, 'uploads.fields', { entity: 'events' }, 'query')
    const byName = new Map(data.map((field: { name: string }) => [field.name, field]))
    expect(byName.get('session_id')).toMatchObject({ required: true, key: true })
    expect(byName.get('created_at')).toMatchObject({ format: 'epoch-ms' })
    expect(byName.get('feature')).toMatchObject({ required: false, key: false })
    expect(byName.get('details')).toMatchObject({ type: 'object', key: false })
  })

  it('reads details cells as JSON objects', async () => {
    const { org, headers, sourceId } = await eventOrg()
    const at = Date.now() - 60_000
    const text = [
      'account_id,user_id,created_at,session_id,action,details',
      `acc_1,user_1,${at},sess_1,identifyUser,"{""plan"": ""pro"", ""seats"": 5}"`,
      `acc_1,user_2,${at},sess_2,identifyUser,"[1, 2]"`,
      `acc_1,user_3,${at},sess_3,identifyUser,{plan: pro}`,
    ].join('\n')
    const { jobId, job } = await runUpload(headers, text, sourceId)

    expect(job.rowsWritten).toBe(1)
    expect(job.rowsFailed).toBe(2)
    const [stored] = await db().select().from(events).where(eq(events.orgId, org.id))
    expect(stored?.payload).toMatchObject({ details: { plan: 'pro', seats: 5 } })
    const failures = await db()
      .select()
      .from(uploadRowFailures)
      .where(eq(uploadRowFailures.jobId, jobId))
      .orderBy(asc(uploadRowFailures.rowNumber))
    expect(failures.map((failure) => failure.message)).toEqual([
      expect.stringContaining('details: "[1, 2]" is not a JSON object'),
      expect.stringContaining('details: "{plan: pro}" is not valid JSON'),
    ])
  })

  it('writes events and fails bad rows', async () => {
    const { org, headers, sourceId } = await eventOrg()
    const rows = Array.from({ length: 30 }, (_, i) => eventRow(i))
    rows[4] = `acc_1,user_4,${Date.now()},sess_4,teleport,export`
    rows[9] = `acc_1,user_9,not-a-date,sess_9,feature,export`
    const { jobId, job } = await runUpload(headers, [header, ...rows].join('\n'), sourceId)

    expect(job.status).toBe('completed')
    expect(job.rowsWritten).toBe(28)
    expect(job.rowsFailed).toBe(2)
    expect(await storedEvents(org.id)).toBe(28)
    const failures = await db()
      .select()
      .from(uploadRowFailures)
      .where(eq(uploadRowFailures.jobId, jobId))
      .orderBy(asc(uploadRowFailures.rowNumber))
    expect(failures.map((failure) => failure.rowNumber)).toEqual([6, 11])
    expect(failures[0]?.message).toMatch(/teleport/)
    expect(failures[1]?.message).toMatch(/not-a-date/)
  })

  it('stores events under the chosen source', async () => {
    const { org, headers, sourceId } = await eventOrg()
    await runUpload(headers, [header, eventRow(1)].join('\n'), sourceId)
    const stored = await db()
      .select({ n: count() })
      .from(events)
      .where(and(eq(events.orgId, org.id), eq(events.sourceId, sourceId)))
    expect(stored[0]?.n).toBe(1)
  })

  it('stores a re-uploaded file once', async () => {
    const { org, headers, sourceId } = await eventOrg()
    const text = [header, ...Array.from({ length: 5 }, (_, i) => eventRow(i, 1_700))].join('\n')
    const fixed = text.replaceAll(',1700,', `,${Date.now() - 120_000},`)
    await runUpload(headers, fixed, sourceId)
    await runUpload(headers, fixed, sourceId)
    expect(await storedEvents(org.id)).toBe(5)
  })

  it('logs one status entry for events', async () => {
    const { org, headers, sourceId } = await eventOrg()
    const rows = [eventRow(1), `acc_1,user_2,${Date.now()},sess_2,teleport,x`]
    await runUpload(headers, [header, ...rows].join('\n'), sourceId)
    const log = statusLogFor(env, org.id)
    const entries = await eventually(
      () => log.list({ source: 'csv_upload' }),
      (list) => list.length === 1,
    )
    const entry = await log.get(entries[0]!.id)
    expect(entry?.api).toBe('events')
    expect(entry?.source).toBe('csv_upload')
    expect(entry?.outcome).toBe('Partial')
    expect(entry?.failedRecords.map((failed) => failed.index)).toEqual([1])
  })

  it('rejects a missing required column', async () => {
    const { headers, sourceId } = await eventOrg()
    const text = ['account_id,user_id,created_at,action', `acc_1,u_1,${Date.now()},feature`]
    const bytes = encoder.encode(text.join('\n'))
    const { jobId, preflight } = await uploadBytes(headers, bytes, 'events', 'e.csv', {
      eventSourceId: sourceId,
    })
    const missing = preflight.findings.find(
      (finding: { code: string; message: string }) =>
        finding.code === 'missing_required' && finding.message.includes('session_id'),
    )
    expect(missing?.level).toBe('error')
    const started = await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    expect(started.error?.message).toMatch(/session_id/)
  })

  it('leaves unknown columns out', async () => {
    const { headers, sourceId } = await eventOrg()
    const bytes = encoder.encode([`${header},colour`, `${eventRow(1)},red`].join('\n'))
    const { preflight } = await uploadBytes(headers, bytes, 'events', 'e.csv', {
      eventSourceId: sourceId,
    })
    expect(preflight.mapping.colour).toBeUndefined()
    expect(preflight.blocking).toBe(false)
  })

  it('rejects a dimension column mapping', async () => {
    const { headers, sourceId } = await eventOrg()
    const bytes = encoder.encode([`${header},colour`, `${eventRow(1)},red`].join('\n'))
    const { jobId, preflight } = await uploadBytes(headers, bytes, 'events', 'e.csv', {
      eventSourceId: sourceId,
    })
    const mapping = { ...preflight.mapping, colour: 'custom_label_dimensions.colour' }
    const started = await trpc(headers, 'uploads.start', { jobId, mapping })
    expect(started.error?.message).toMatch(/colour.*not a field/)
  })

  it('requires an event source', async () => {
    const { headers } = await eventOrg()
    const created = await trpc(headers, 'uploads.create', {
      entity: 'events',
      fileName: 'e.csv',
      size: 10,
    })
    expect(created.error?.message).toMatch(/Missing eventSourceId/)
  })

  it('rejects another org source', async () => {
    const { headers } = await eventOrg()
    const other = await eventOrg()
    const created = await trpc(headers, 'uploads.create', {
      entity: 'events',
      fileName: 'e.csv',
      size: 10,
      eventSourceId: other.sourceId,
    })
    expect(created.error?.data.code).toBe('NOT_FOUND')
    expect(created.error?.message).toMatch(/not found in your org/)
  })

  it('rejects a source for accounts', async () => {
    const { headers, sourceId } = await eventOrg()
    const created = await trpc(headers, 'uploads.create', {
      entity: 'accounts',
      fileName: 'a.csv',
      size: 10,
      eventSourceId: sourceId,
    })
    expect(created.error?.message).toMatch(/events uploads only/)
  })
})
