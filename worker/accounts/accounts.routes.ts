import { type Context, Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

import { createDb } from '../db/client'
import { type ApiKeyEnv, requireApiKey } from '../keys/require-api-key'
import { logEvent } from '../lib/log'
import { recordCall } from '../status-log/status-log.client'
import type { Entity } from './accounts.fields'
import {
  echoedQuery,
  type Envelope,
  parseListQuery,
  readData,
  readRecords,
  toWireFailures,
  upsertMessage,
} from './accounts.http'
import { deactivateWithMessage } from './accounts.deactivate'
import { addMethodNotAllowed } from './accounts.methods'
import { buildOpenApiDocument } from './openapi'
import {
  findRecords,
  listRecords,
  MAX_PAGE_SIZE,
  notFoundMessage,
  type RecordFailure,
  type RecordKey,
  updateRecord,
  upsertRecords,
} from './accounts.service'

type AccountApiContext = Context<ApiKeyEnv>

/** A handler's result, which `call` turns into the response and the status-log entry. */
interface CallResult {
  status: ContentfulStatusCode
  body: Envelope
  recordsSent?: number
  failed?: RecordFailure[]
}

/**
 * Wraps a handler so every call, including a rejected batch, is recorded in the org's status log.
 */
function call(api: Entity, handler: (c: AccountApiContext) => Promise<CallResult>) {
  return async (c: AccountApiContext) => {
    const started = Date.now()
    const principal = c.get('principal')
    const report = (result: CallResult) =>
      recordCall(c.env, c.executionCtx, principal.orgId, {
        time: started,
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        api,
        source: 'rest',
        keyPrefix: principal.keyPrefix,
        httpStatus: result.status,
        recordsSent: result.recordsSent ?? 0,
        failedRecords: (result.failed ?? []).map(({ index, id, message }) => ({
          index,
          id,
          message,
        })),
        durationMs: Date.now() - started,
        message: result.body.status_is_ok ? null : (result.body.message ?? null),
      })

    let result: CallResult
    try {
      result = await handler(c)
    } catch (error) {
      report({ status: 500, body: { status_is_ok: false, message: 'Internal error.' } })
      throw error
    }
    report(result)
    // The message is left out because JSON parse errors quote part of the request body.
    if (result.status >= 400) {
      logEvent('account_api.rejected', {
        orgId: principal.orgId,
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: result.status,
      })
    }
    return c.json(result.body, result.status)
  }
}

function rejected(status: ContentfulStatusCode, message: string): CallResult {
  return { status, body: { status_is_ok: false, message } }
}

async function list(c: AccountApiContext, entity: Entity, accountId?: string): Promise<CallResult> {
  const query = c.req.query()
  const options = parseListQuery(entity, query)
  if (!options.ok) return rejected(options.status, options.message)

  const db = createDb(c.env.DB)
  const orgId = c.get('principal').orgId
  if (accountId !== undefined) {
    const [account] = await findRecords(db, orgId, 'accounts', { accountId })
    if (!account) return rejected(404, notFoundMessage('accounts', { accountId }))
  }
  // NOTE: `include` is echoed but ignored: lists always return whole records, dimensions included.
  const results = await listRecords(db, orgId, entity, { ...options.value, accountId })
  const body: Envelope = {
    ...echoedQuery(query),
    status_is_ok: true,
    results,
    current_page: options.value.page,
    max_page_size: MAX_PAGE_SIZE,
    order_by: options.value.orderBy,
    direction: options.value.direction,
    include_inactive: options.value.includeInactive,
  }
  return { status: 200, body }
}

async function getOne(c: AccountApiContext, entity: Entity, key: RecordKey): Promise<CallResult> {
  const results = await findRecords(createDb(c.env.DB), c.get('principal').orgId, entity, key)
  if (results.length === 0) return rejected(404, notFoundMessage(entity, key))
  return { status: 200, body: { ...echoedQuery(c.req.query()), status_is_ok: true, results } }
}

async function bulkUpsert(c: AccountApiContext, entity: Entity): Promise<CallResult> {
  const records = await readRecords(c.req.raw)
  if (!records.ok) {
    return { ...rejected(records.status, records.message), recordsSent: records.recordsSent }
  }

  const db = createDb(c.env.DB)
  const { written, failed } = await upsertRecords(
    db,
    c.get('principal').orgId,
    entity,
    records.value,
  )
  const message = upsertMessage(written, records.value.length, failed.length)
  const body: Envelope = {
    status_is_ok: true,
    results: [],
    failed_results: toWireFailures(entity, failed),
    message,
  }
  return { status: 200, body, recordsSent: records.value.length, failed }
}

async function updateOne(
  c: AccountApiContext,
  entity: Entity,
  key: RecordKey,
): Promise<CallResult> {
  const data = await readData(c.req.raw)
  if (!data.ok) return rejected(data.status, data.message)

  const db = createDb(c.env.DB)
  const outcome = await updateRecord(db, c.get('principal').orgId, entity, key, data.value)
  if (outcome.status === 'not_found') return rejected(404, outcome.message)
  if (outcome.status === 'invalid') {
    const failure = {
      index: 0,
      id: key.userId ?? key.accountId ?? null,
      accountId: key.accountId ?? null,
      userId: key.userId ?? null,
      message: outcome.message,
    }
    const body: Envelope = {
      status_is_ok: false,
      failed_results: toWireFailures(entity, [failure]),
      message: outcome.message,
    }
    return { status: 400, body, recordsSent: 1, failed: [failure] }
  }
  return { status: 200, body: { status_is_ok: true, results: [outcome.record] }, recordsSent: 1 }
}

async function deactivate(
  c: AccountApiContext,
  entity: Entity,
  key: RecordKey,
): Promise<CallResult> {
  const db = createDb(c.env.DB)
  const outcome = await deactivateWithMessage(db, c.get('principal').orgId, entity, key)
  if (!outcome.found) return rejected(404, notFoundMessage(entity, key))
  const { results, message } = outcome
  return { status: 200, body: { status_is_ok: true, results, message } }
}

/** Deletes one custom dimension key of an account; deleting a key it lacks still succeeds. */
async function deleteDimension(
  c: AccountApiContext,
  field: 'custom_label_dimensions' | 'custom_value_dimensions',
): Promise<CallResult> {
  const key = { accountId: c.req.param('account_id') }
  const patch = { [field]: [{ key: c.req.param('key'), value: null }] }
  const db = createDb(c.env.DB)
  const outcome = await updateRecord(db, c.get('principal').orgId, 'accounts', key, patch)
  if (outcome.status !== 'updated') {
    return rejected(outcome.status === 'not_found' ? 404 : 400, outcome.message)
  }
  return { status: 200, body: { status_is_ok: true, results: [outcome.record] } }
}

function memberRoutes(app: Hono<ApiKeyEnv>, entity: Exclude<Entity, 'accounts'>) {
  const base = `/${entity}`
  const key = (c: AccountApiContext): RecordKey => ({
    userId: c.req.param('user_id'),
    accountId: c.req.param('account_id'),
  })
  app.get(
    base,
    call(entity, (c) => list(c, entity)),
  )
  app.post(
    base,
    call(entity, (c) => bulkUpsert(c, entity)),
  )
  for (const path of [`${base}/:user_id`, `${base}/:user_id/:account_id`]) {
    app.get(
      path,
      call(entity, (c) => getOne(c, entity, key(c))),
    )
    app.put(
      path,
      call(entity, (c) => updateOne(c, entity, key(c))),
    )
    app.delete(
      path,
      call(entity, (c) => deactivate(c, entity, key(c))),
    )
  }
}

/** The Natero-format Account API, mounted at `/api/v2`. Every route but the OpenAPI document needs an API key. */
export const accountApiRoutes = new Hono<ApiKeyEnv>()

accountApiRoutes.get('/openapi.json', (c) =>
  c.json(buildOpenApiDocument(new URL(c.req.url).origin)),
)

accountApiRoutes.use('*', requireApiKey)

const accountKey = (c: AccountApiContext): RecordKey => ({ accountId: c.req.param('account_id') })
accountApiRoutes.get(
  '/accounts',
  call('accounts', (c) => list(c, 'accounts')),
)
accountApiRoutes.post(
  '/accounts',
  call('accounts', (c) => bulkUpsert(c, 'accounts')),
)
accountApiRoutes.get(
  '/accounts/:account_id',
  call('accounts', (c) => getOne(c, 'accounts', accountKey(c))),
)
accountApiRoutes.put(
  '/accounts/:account_id',
  call('accounts', (c) => updateOne(c, 'accounts', accountKey(c))),
)
accountApiRoutes.delete(
  '/accounts/:account_id',
  call('accounts', (c) => deactivate(c, 'accounts', accountKey(c))),
)
accountApiRoutes.get(
  '/accounts/:account_id/users',
  call('account_users', (c) => list(c, 'account_users', c.req.param('account_id'))),
)
accountApiRoutes.get(
  '/accounts/:account_id/contacts',
  call('account_contacts', (c) => list(c, 'account_contacts', c.req.param('account_id'))),
)
accountApiRoutes.delete(
  '/accounts/:account_id/dimension_labels/:key',
  call('accounts', (c) => deleteDimension(c, 'custom_label_dimensions')),
)
accountApiRoutes.delete(
  '/accounts/:account_id/dimension_values/:key',
  call('accounts', (c) => deleteDimension(c, 'custom_value_dimensions')),
)
memberRoutes(accountApiRoutes, 'account_users')
memberRoutes(accountApiRoutes, 'account_contacts')
addMethodNotAllowed(accountApiRoutes)
