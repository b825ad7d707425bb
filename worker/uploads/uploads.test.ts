import { env } from 'cloudflare:workers'
import { and, eq } from 'drizzle-orm'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'

import { accounts } from '../accounts/accounts.schema'
import { createDb } from '../db/client'
import { statusLogFor } from '../status-log/status-log.client'
import type { CallSummary } from '../status-log/status-log.types'
import { createOrg, createSignedInUser } from '../../test/fixtures'
import { rest, trpc, uploadBytes, waitForJob } from './test-helpers'
import { uploadRowFailures } from './uploads.schema'

const encoder = new TextEncoder()
const db = () => createDb(env.DB)

async function signedIn(role: 'admin' | 'data_manager' | 'viewer' = 'admin') {
  const org = await createOrg()
  const user = await createSignedInUser(org.id, role)
  return { org, headers: user.headers }
}

function accountsCsv(rows: number, start = 0): string {
  const lines = ['account_id,name,join_date,employees']
  for (let i = start; i < start + rows; i++)
    lines.push(`acc-${i},"Company ${i}, Ltd",2020-01-02,${i}`)
  return lines.join('\r\n') + '\r\n'
}

async function failuresOf(jobId: string) {
  return db()
    .select()
    .from(uploadRowFailures)
    .where(eq(uploadRowFailures.jobId, jobId))
    .orderBy(uploadRowFailures.rowNumber)
}

describe('uploads end to end', () => {
  it('writes every valid row and reports the rest', async () => {
    const { org, headers } = await signedIn()
    const text =
      accountsCsv(1200) +
      'bad-date,Bad,31/31/2020,1\r\n' +
      'short,Short\r\n' +
      'formula,"=HYPERLINK(""http://evil.test"")",not-a-date,2\r\n' +
      'multi,"Line one\nline two",2021-05-06,3\r\n'
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(text))
    expect(preflight.blocking).toBe(false)

    const started = await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    expect(started.error).toBeUndefined()
    const job = await waitForJob(jobId)

    expect(job.status).toBe('completed')
    expect(job.rowsTotal).toBe(1204)
    expect(job.rowsWritten).toBe(1201)
    expect(job.rowsFailed).toBe(3)
    const stored = await db().select().from(accounts).where(eq(accounts.orgId, org.id))
    expect(stored.length).toBe(1201)
    const multi = stored.find((row) => row.accountId === 'multi')
    expect(multi?.name).toBe('Line one\nline two')
    expect(multi?.joinDate).toBe(Date.UTC(2021, 4, 6))

    const failures = await failuresOf(jobId)
    expect(failures.map((f) => f.rowNumber)).toEqual([1202, 1203, 1204])
    expect(failures[0]?.message).toContain('31/31/2020')
    expect(failures[1]?.message).toContain('Row has 2 fields but the header has 4')
    expect(failures[2]?.raw[1]).toBe('=HYPERLINK("http://evil.test")')
  })

  it('downloads failed rows with formulas escaped', async () => {
    const { headers } = await signedIn()
    const text = 'account_id,name,join_date\r\nok,Fine,2020-01-01\r\nf1,=1+2,never\r\n'
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(text))
    await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    await waitForJob(jobId)

    const response = await rest(headers, 'GET', `${jobId}/failed-rows.csv`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/csv')
    const csv = await response.text()
    const lines = csv.trim().split('\r\n')
    expect(lines[0]).toBe('account_id,name,join_date,error')
    expect(lines[1]).toMatch(/^f1,'=1\+2,never,"?Row 3: /)
    expect(lines.length).toBe(2)
  })

  it('returns failed rows with every uploaded cell whole', async () => {
    const { headers } = await signedIn()
    const wide = Array.from({ length: 10_000 }, (_, i) => `w${i}`)
    const big = 'y'.repeat(2_000_000)
    const text =
      'account_id,name,join_date\r\n' +
      'ok,Fine,2020-01-01\r\n' +
      'four,Four,2020-01-01,surplus\r\n' +
      `${wide.join(',')}\r\n` +
      `huge,"${big}",2020-01-01\r\n`
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(text))
    await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    const job = await waitForJob(jobId)
    expect(job.rowsFailed).toBe(3)

    const response = await rest(headers, 'GET', `${jobId}/failed-rows.csv`)
    const rows = parse(await response.text(), { relax_column_count: true }) as string[][]
    const width = 10_000 + 1
    expect(rows[0]?.slice(0, 5)).toEqual(['account_id', 'name', 'join_date', 'extra_1', 'extra_2'])
    expect(rows[0]?.[width - 2]).toBe('extra_9997')
    expect(rows[0]?.[width - 1]).toBe('error')
    expect(rows.every((row) => row.length === width)).toBe(true)
    expect(rows[1]?.slice(0, 4)).toEqual(['four', 'Four', '2020-01-01', 'surplus'])
    expect(rows[1]?.[width - 1]).toMatch(/^Row 3: /)
    expect(rows[2]?.slice(0, 10_000)).toEqual(wide)
    expect(rows[3]?.[1]).toBe(big)
    expect(rows[3]?.[width - 1]).toMatch(/^Row 5: /)
  })

  it('returns a failed row wider than a D1 value', async () => {
    const { headers } = await signedIn()
    const cells = Array.from({ length: 25 }, (_, i) => String.fromCharCode(97 + i).repeat(90_000))
    const text = `account_id,name,join_date\r\nok,Fine,2020-01-01\r\n${cells.join(',')}\r\n`
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(text))
    await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    const job = await waitForJob(jobId)
    expect(job.status).toBe('completed')
    expect(job.rowsWritten).toBe(1)
    expect(job.rowsFailed).toBe(1)
    // Local D1 accepts larger values than production, which rejects one over 2,000,000 bytes.
    const [stored] = await failuresOf(jobId)
    expect(JSON.stringify(stored?.raw).length).toBeLessThan(2_000_000)
    expect(stored?.raw.length).toBe(25)

    const response = await rest(headers, 'GET', `${jobId}/failed-rows.csv`)
    const rows = parse(await response.text(), { relax_column_count: true }) as string[][]
    expect(rows[1]?.slice(0, 25)).toEqual(cells)
    expect(rows[1]?.[25]).toMatch(/^Row 3: /)
  })

  it('maps an export with its own headers', async () => {
    const { org, headers } = await signedIn()
    const text =
      'Index,Organization Id,Name,Website,Country,Description,Founded,Industry,Number of employees\n' +
      '1,522816eF8fdBE6d,Mckinney PLC,http://soto.com/,Sri Lanka,Synergized,1988,Dairy,3930\n' +
      '2,70C7FBD7e6Aa3Ea,Cunningham LLC,http://harding.com/,Namibia,Team-oriented,2018,Library,7871\n'
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(text))
    expect(preflight.mapping['Organization Id']).toBe('account_id')
    await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    const job = await waitForJob(jobId)
    expect(job.rowsWritten).toBe(2)

    const [row] = await db()
      .select()
      .from(accounts)
      .where(and(eq(accounts.orgId, org.id), eq(accounts.accountId, '522816eF8fdBE6d')))
    expect(row?.name).toBe('Mckinney PLC')
    expect(row?.joinDate).toBe(Date.UTC(1988, 0, 1))
  })

  it('reads a semicolon file with a byte order mark', async () => {
    const { headers } = await signedIn()
    const body = 'account_id;name;join_date\na1;Acme, Inc;2020-01-01\na2;Beta;2020-01-02\n'
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(body)])
    const { jobId, preflight } = await uploadBytes(headers, bytes)
    expect(preflight.delimiter).toBe(';')
    expect(preflight.hadBom).toBe(true)
    await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    const job = await waitForJob(jobId)
    expect(job.rowsWritten).toBe(2)
    expect(job.rowsFailed).toBe(0)
  })

  it('fails a row with a 2 MB field and keeps the others', async () => {
    const { headers } = await signedIn()
    const big = 'x'.repeat(2_000_000)
    const text = `account_id,name,join_date\na1,A,2020-01-01\na2,"${big}",2020-01-01\na3,C,2020-01-01\n`
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(text))
    await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    const job = await waitForJob(jobId)
    expect(job.rowsWritten).toBe(2)
    const failures = await failuresOf(jobId)
    expect(failures.map((f) => f.rowNumber)).toEqual([3])
    expect(failures[0]?.message).toContain('2000000 characters')
  })

  it('uploads a file of several parts', async () => {
    const { headers } = await signedIn()
    const text = accountsCsv(300_000)
    const bytes = encoder.encode(text)
    expect(bytes.length).toBeGreaterThan(10 * 1024 * 1024)
    const { jobId, preflight } = await uploadBytes(headers, bytes)
    const stored = await trpc(headers, 'uploads.get', { jobId }, 'query')
    expect(stored.data.status).toBe('preflighted')
    expect(preflight.sampleIsWholeFile).toBe(false)
    expect(preflight.blocking).toBe(false)
  })

  it('refuses to start while preflight has errors', async () => {
    const { headers } = await signedIn()
    const text = 'account_id,name,join_date\na1,A,03/04/2024\n'
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(text))
    expect(preflight.blocking).toBe(true)
    const refused = await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    expect(refused.error?.data.code).toBe('BAD_REQUEST')
    expect(refused.error?.message).toContain('choose MM/DD/YYYY or DD/MM/YYYY')
    const started = await trpc(headers, 'uploads.start', {
      jobId,
      mapping: preflight.mapping,
      dateFormat: 'DD/MM/YYYY',
    })
    expect(started.error).toBeUndefined()
    const job = await waitForJob(jobId)
    expect(job.rowsWritten).toBe(1)
  })

  it('records the upload in API Status', async () => {
    const { org, headers } = await signedIn()
    const text = 'account_id,name,join_date\na1,A,2020-01-01\na2,B,later\n'
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(text))
    await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    await waitForJob(jobId)
    let entries: CallSummary[] = []
    for (let i = 0; i < 40 && entries.length === 0; i++) {
      entries = [...(await statusLogFor(env, org.id).list({ source: 'csv_upload' }))]
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(entries.length).toBe(1)
    expect(entries[0]?.outcome).toBe('Partial')
    expect(entries[0]?.recordsSent).toBe(2)
    expect(entries[0]?.recordsFailed).toBe(1)
    expect(entries[0]?.api).toBe('accounts')
  })

  it('reads a last row without a line break', async () => {
    const { headers } = await signedIn()
    const text = 'account_id,name,join_date\na1,A,2020-01-01\na2,B,2020-01-02'
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(text))
    await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    const job = await waitForJob(jobId)
    expect(job.rowsTotal).toBe(2)
    expect(job.rowsWritten).toBe(2)
  })

  it('reports an unclosed quote beyond the preflight sample', async () => {
    const { headers } = await signedIn()
    const text =
      accountsCsv(30_000) + 'broken,"never closed,2020-01-01\r\nafter,After,2020-01-01\r\n'
    expect(text.length).toBeGreaterThan(1024 * 1024)
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(text))
    expect(preflight.blocking).toBe(false)
    await trpc(headers, 'uploads.start', { jobId, mapping: preflight.mapping })
    const job = await waitForJob(jobId)
    expect(job.status).toBe('completed')
    expect(job.rowsWritten).toBe(30_000)
    expect(job.rowsFailed).toBe(1)
    const failures = await failuresOf(jobId)
    expect(failures[0]?.rowNumber).toBe(30_002)
    expect(failures[0]?.message).toContain('cannot be read from row 30002')
  })

  it('checks the whole file past the preflight sample', async () => {
    const { headers } = await signedIn()
    const text = accountsCsv(30_000) + 'short,Short\r\nd1,D,03/04/2024,1\r\n'
    const { jobId, preflight } = await uploadBytes(headers, encoder.encode(text))
    expect(preflight.sampleIsWholeFile).toBe(false)
    expect(preflight.findings).toEqual([])

    let fileCheck = null
    for (let i = 0; i < 100 && fileCheck === null; i++) {
      fileCheck = (await trpc(headers, 'uploads.get', { jobId }, 'query')).data.fileCheck
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(fileCheck).toEqual({
      rows: 30_002,
      wrongFieldCount: { count: 1, rows: [30_002] },
      slashDates: [{ column: 'join_date', count: 1, rows: [30_003] }],
      parseError: null,
    })
  })
})
