import { eq } from 'drizzle-orm'

import type { Database } from '../db/client'
import type { Env } from '../env'
import { logEvent } from '../lib/log'
import { readRecords } from './csv'
import { readSlashDate } from './dates'
import { uploadFields } from './fields'
import { isDateTarget } from './preflight-checks'
import { uploadJobs, type FileCheck } from './uploads.schema'

/** Queue message requesting a check of the whole stored file, past its first megabyte. */
export interface FileCheckMessage {
  type: 'upload.check'
  jobId: string
}

const MAX_ROW_NUMBERS = 20

function note(entry: { count: number; rows: number[] }, row: number) {
  entry.count += 1
  if (entry.rows.length < MAX_ROW_NUMBERS) entry.rows.push(row)
}

/**
 * Streams the whole stored file and counts its rows, the rows with a wrong field count and the
 * day/month dates in mapped date columns, which the first-megabyte preflight cannot see. Stores
 * the result on the job for the page to show. It never blocks the start, because processing
 * fails each such row with its row number anyway.
 */
export async function checkWholeFile(env: Env, db: Database, jobId: string): Promise<void> {
  const [job] = await db.select().from(uploadJobs).where(eq(uploadJobs.id, jobId)).limit(1)
  if (!job || job.fileCheck !== null) return
  const header = job.options.header ?? []
  const fields = uploadFields(job.entity)
  const dateColumns = header.flatMap((column, index) => {
    const target = job.options.mapping?.[column]
    return target !== undefined && isDateTarget(target, fields) ? [{ column, index }] : []
  })
  const check: FileCheck = {
    rows: 0,
    wrongFieldCount: { count: 0, rows: [] },
    slashDates: dateColumns.map(({ column }) => ({ column, count: 0, rows: [] })),
    parseError: null,
  }

  const offset = job.options.hadBom ? 3 : 0
  const object = await env.UPLOADS.get(job.r2Key, { range: { offset } })
  if (!object) throw new Error(`File ${job.r2Key} of upload ${job.id} is missing from R2`)
  let row = 0
  try {
    for await (const record of readRecords(object.body, job.options.delimiter ?? ',')) {
      row += 1
      if (row === 1) continue
      check.rows += 1
      if (record.cells.length !== header.length) note(check.wrongFieldCount, row)
      dateColumns.forEach(({ index }, position) => {
        const reading = readSlashDate(record.cells[index] ?? '')
        if (reading !== null && reading !== 'invalid') note(check.slashDates[position]!, row)
      })
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    check.parseError = `The CSV cannot be read from row ${row + 1} on: ${reason}`
  }

  await db.update(uploadJobs).set({ fileCheck: check }).where(eq(uploadJobs.id, jobId))
  logEvent('upload.file_checked', { jobId, rows: check.rows })
}
