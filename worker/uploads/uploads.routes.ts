import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { Hono, type Context } from 'hono'

import type { SessionPrincipal } from '../auth/principal'
import { readSession } from '../auth/session'
import { createDb } from '../db/client'
import type { AppEnv } from '../env'
import { csvLine } from './csv-writer'
import { failedRowsCsv } from './failed-rows'
import { takesDimensions, uploadFields } from './fields'
import { uploadEntities, type UploadEntity } from './uploads.schema'
import { completeUpload, getJob, uploadPart, UploadError } from './uploads.service'

type UploadsEnv = AppEnv & { Variables: { session: SessionPrincipal } }

const roleRank = { viewer: 0, data_manager: 1, admin: 2 } as const

function csrfMatches(sent: string | undefined, expected: string): boolean {
  if (!sent) return false
  const encoder = new TextEncoder()
  const a = encoder.encode(sent)
  const b = encoder.encode(expected)
  return a.length === b.length && constantTimeEqual(a, b)
}

function errorResponse(c: Context, status: 400 | 401 | 403 | 404 | 409, message: string) {
  return c.json({ status_is_ok: false, message }, status)
}

/**
 * REST routes for the file bytes and downloads, which tRPC does not carry well: part uploads,
 * completion, templates and the failed-rows file. They take the session cookie only, and changes need the
 * `x-csrf-token` header and the data_manager role.
 */
export const uploadRoutes = new Hono<UploadsEnv>()

uploadRoutes.use('*', async (c, next) => {
  const principal = await readSession(createDb(c.env.DB), c.req.raw)
  if (!principal) return errorResponse(c, 401, 'Sign in to the console to upload files.')
  if (c.req.method !== 'GET') {
    if (!csrfMatches(c.req.header('x-csrf-token'), principal.csrfToken)) {
      return errorResponse(
        c,
        403,
        'Missing or invalid x-csrf-token header: send the sy_csrf cookie value.',
      )
    }
    if (roleRank[principal.role] < roleRank.data_manager) {
      return errorResponse(
        c,
        403,
        `Your role is ${principal.role}; uploading needs data_manager or higher.`,
      )
    }
  }
  c.set('session', principal)
  await next()
})

uploadRoutes.onError((error, c) => {
  if (error instanceof UploadError) return errorResponse(c, error.status, error.message)
  throw error
})

uploadRoutes.get('/templates/:file', (c) => {
  const file = c.req.param('file')
  const entity = file.replace(/\.csv$/, '') as UploadEntity
  if (!file.endsWith('.csv') || !uploadEntities.includes(entity)) {
    return errorResponse(
      c,
      404,
      `No template ${file}: use ${uploadEntities.map((e) => `${e}.csv`).join(', ')}.`,
    )
  }
  const columns = uploadFields(entity).map((field) => field.name)
  if (takesDimensions(entity)) columns.push('custom_label_dimensions.tier')
  return c.body(csvLine(columns), 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${entity}-template.csv"`,
  })
})

uploadRoutes.put('/:jobId/parts/:partNumber', async (c) => {
  const db = createDb(c.env.DB)
  const job = await getJob(db, c.get('session').orgId, c.req.param('jobId'))
  const length = c.req.header('content-length')
  const part = await uploadPart(
    c.env,
    db,
    job,
    Number(c.req.param('partNumber')),
    c.req.raw.body,
    length === undefined ? null : Number(length),
  )
  return c.json(part)
})

uploadRoutes.post('/:jobId/complete', async (c) => {
  const db = createDb(c.env.DB)
  const job = await getJob(db, c.get('session').orgId, c.req.param('jobId'))
  const preflight = await completeUpload(c.env, db, job)
  return c.json({ jobId: job.id, preflight })
})

uploadRoutes.get('/:jobId/failed-rows.csv', async (c) => {
  const db = createDb(c.env.DB)
  const job = await getJob(db, c.get('session').orgId, c.req.param('jobId'))
  const name = job.fileName.replace(/\.csv$/i, '').replace(/[^\w.-]+/g, '_')
  return c.body(failedRowsCsv(c.env, db, job), 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${name}-failed-rows.csv"`,
  })
})
