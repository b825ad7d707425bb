import { TRPCError } from '@trpc/server'
import { ZodError, z } from 'zod'

import type { FailedRecord } from '../status-log/status-log.types'
import { recordCall } from '../status-log/status-log.client'
import { accountApiProcedure, router, type TrpcContext } from '../trpc/init'
import { describeZodError, typeError } from '../trpc/zod-messages'
import type { ApiKeyPrincipal, SessionPrincipal } from '../auth/principal'
import type { Role } from '../orgs/orgs.schema'
import { type Entity, orderColumns, MAX_ID_LENGTH } from './accounts.fields'
import {
  type Envelope,
  MAX_RECORDS_PER_REQUEST,
  toWireFailures,
  upsertMessage,
} from './accounts.http'
import { deactivateWithMessage } from './accounts.deactivate'
import {
  findRecords,
  getAccountDetail,
  listForConsole,
  listRecords,
  MAX_PAGE_SIZE,
  notFoundMessage,
  type RecordKey,
  updateRecord,
  upsertRecords,
} from './accounts.service'

type Ctx = TrpcContext & {
  principal: SessionPrincipal | ApiKeyPrincipal
  /** False for console reads made with a session, which are browsing rather than API calls. */
  inStatusLog: boolean
}

interface Tracked<T> {
  value: T
  httpStatus?: number
  recordsSent?: number
  failed?: FailedRecord[]
  message?: string | null
}

/** Records one tRPC call in the caller org's status log. */
function recordTrpcCall(
  ctx: Ctx,
  procedure: string,
  api: Entity,
  started: number,
  outcome: Omit<Tracked<unknown>, 'value'>,
): void {
  if (!ctx.inStatusLog) return
  recordCall(ctx.env, ctx.executionCtx, ctx.principal.orgId, {
    time: started,
    requestId: ctx.requestId,
    method: ctx.req.method,
    path: `/api/trpc/${procedure}`,
    api,
    source: 'trpc',
    keyPrefix: ctx.principal.kind === 'api_key' ? ctx.principal.keyPrefix : null,
    httpStatus: outcome.httpStatus ?? 200,
    recordsSent: outcome.recordsSent ?? 0,
    failedRecords: outcome.failed ?? [],
    durationMs: Date.now() - started,
    message: outcome.message ?? null,
  })
}

/** Runs a procedure body and records the call in the org's status log, failures included. */
async function tracked<T>(
  ctx: Ctx,
  procedure: string,
  api: Entity,
  run: () => Promise<Tracked<T>>,
): Promise<T> {
  const started = Date.now()
  try {
    const outcome = await run()
    recordTrpcCall(ctx, procedure, api, started, outcome)
    return outcome.value
  } catch (error) {
    const httpStatus = error instanceof TRPCError && error.code === 'NOT_FOUND' ? 404 : 500
    const message = error instanceof Error ? error.message : String(error)
    recordTrpcCall(ctx, procedure, api, started, { httpStatus, message })
    throw error
  }
}

/**
 * Builds an account procedure for callers with at least `minimum` role (API keys always pass).
 * The status log records calls made with an API key and console writes, not console reads.
 * Input that fails its schema never reaches the body, so this records those rejections itself.
 */
function accountProcedure(minimum: Role, api: Entity) {
  return accountApiProcedure(minimum).use(async ({ ctx: base, path, type, next }) => {
    const inStatusLog = base.principal.kind === 'api_key' || type === 'mutation'
    const ctx = { ...base, inStatusLog }
    const started = Date.now()
    const result = await next({ ctx })
    if (!result.ok && result.error.cause instanceof ZodError) {
      const message = `Invalid input: ${describeZodError(result.error.cause)}`
      recordTrpcCall(ctx, path, api, started, { httpStatus: 400, message })
    }
    return result
  })
}

const idInput = z.string().min(1).max(MAX_ID_LENGTH)
const recordsInput = z.object({ records: z.array(z.unknown()).min(1).max(MAX_RECORDS_PER_REQUEST) })
const dataInput = z.record(z.string(), z.unknown())

async function upsert(ctx: Ctx, entity: Entity, records: unknown[]): Promise<Tracked<Envelope>> {
  const { written, failed } = await upsertRecords(ctx.db, ctx.principal.orgId, entity, records)
  const message = upsertMessage(written, records.length, failed.length)
  const value: Envelope = {
    status_is_ok: true,
    results: [],
    failed_results: toWireFailures(entity, failed),
    message,
  }
  return { value, recordsSent: records.length, failed }
}

async function update(
  ctx: Ctx,
  entity: Entity,
  key: RecordKey,
  data: unknown,
): Promise<Tracked<Envelope>> {
  const outcome = await updateRecord(ctx.db, ctx.principal.orgId, entity, key, data)
  if (outcome.status === 'updated') {
    return { value: { status_is_ok: true, results: [outcome.record] }, recordsSent: 1 }
  }
  const id = key.userId ?? key.accountId ?? null
  const failed = [
    {
      index: 0,
      id,
      accountId: key.accountId ?? null,
      userId: key.userId ?? null,
      message: outcome.message,
    },
  ]
  const value: Envelope = {
    status_is_ok: false,
    failed_results: toWireFailures(entity, failed),
    message: outcome.message,
  }
  const httpStatus = outcome.status === 'not_found' ? 404 : 400
  return { value, httpStatus, recordsSent: 1, failed, message: outcome.message }
}

async function deactivate(ctx: Ctx, entity: Entity, key: RecordKey): Promise<Tracked<Envelope>> {
  const outcome = await deactivateWithMessage(ctx.db, ctx.principal.orgId, entity, key)
  if (!outcome.found) {
    const message = notFoundMessage(entity, key)
    return { value: { status_is_ok: false, message }, httpStatus: 404, message }
  }
  const { results, message } = outcome
  return { value: { status_is_ok: true, results, message } }
}

/** Procedures for account users or contacts, keyed by user_id and optionally account_id. */
function memberRouter(entity: Exclude<Entity, 'accounts'>) {
  const keyInput = z.object({ userId: idInput, accountId: idInput.optional() })
  const name = entity === 'account_users' ? 'accountUsers' : 'accountContacts'
  return router({
    /** Lists one page (1000 records) in wire shape, optionally for one account. */
    list: accountProcedure('viewer', entity)
      .input(
        z.object({
          accountId: idInput.optional(),
          page: z.number().int().min(0).default(0),
          orderBy: z.enum(orderColumns[entity] as [string, ...string[]]).default('user_id'),
          direction: z.enum(['asc', 'desc']).default('asc'),
          includeInactive: z.boolean().default(false),
        }),
      )
      .query(({ ctx, input }) =>
        tracked(ctx, `${name}.list`, entity, async () => {
          const results = await listRecords(ctx.db, ctx.principal.orgId, entity, input)
          const value: Envelope = {
            status_is_ok: true,
            results,
            current_page: input.page,
            max_page_size: MAX_PAGE_SIZE,
          }
          return { value }
        }),
      ),
    /** Returns the records with this user_id (one per account unless accountId narrows it). */
    get: accountProcedure('viewer', entity)
      .input(keyInput)
      .query(({ ctx, input }) =>
        tracked(ctx, `${name}.get`, entity, async () => {
          const results = await findRecords(ctx.db, ctx.principal.orgId, entity, input)
          if (results.length === 0)
            throw new TRPCError({ code: 'NOT_FOUND', message: notFoundMessage(entity, input) })
          return { value: { status_is_ok: true, results } as Envelope }
        }),
      ),
    upsert: accountProcedure('data_manager', entity)
      .input(recordsInput)
      .mutation(({ ctx, input }) =>
        tracked(ctx, `${name}.upsert`, entity, () => upsert(ctx, entity, input.records)),
      ),
    update: accountProcedure('data_manager', entity)
      .input(keyInput.extend({ data: dataInput }))
      .mutation(({ ctx, input: { data, ...key } }) =>
        tracked(ctx, `${name}.update`, entity, () => update(ctx, entity, key, data)),
      ),
    deactivate: accountProcedure('data_manager', entity)
      .input(keyInput)
      .mutation(({ ctx, input }) =>
        tracked(ctx, `${name}.deactivate`, entity, () => deactivate(ctx, entity, input)),
      ),
  })
}

const accountKeyInput = z.object({ accountId: idInput })

/** Account procedures for the console and API-key clients. Viewers read; data managers write. */
export const accountsRouter = router({
  /** Lists accounts for the console, searching account_id and name. */
  list: accountProcedure('viewer', 'accounts')
    .input(
      z.object({
        search: z.string().max(200, 'search is at most 200 characters: shorten it.').optional(),
        page: z.number().int().min(0, 'page must be 0 or more (pages start at 0).').default(0),
        pageSize: z
          .number({ error: typeError('pageSize', 'number', 'pageSize is required.') })
          .int('pageSize must be 1 to 100.')
          .min(1, 'pageSize must be 1 to 100.')
          .max(100, 'pageSize must be 1 to 100.')
          .default(25),
        includeInactive: z.boolean().optional(),
      }),
    )
    .query(({ ctx, input }) =>
      tracked(ctx, 'accounts.list', 'accounts', async () => ({
        value: await listForConsole(ctx.db, ctx.principal.orgId, input),
      })),
    ),
  /** Returns an account in wire shape with its users and contacts. */
  get: accountProcedure('viewer', 'accounts')
    .input(accountKeyInput)
    .query(({ ctx, input }) =>
      tracked(ctx, 'accounts.get', 'accounts', async () => {
        const detail = await getAccountDetail(ctx.db, ctx.principal.orgId, input.accountId)
        if (!detail)
          throw new TRPCError({ code: 'NOT_FOUND', message: notFoundMessage('accounts', input) })
        return { value: detail }
      }),
    ),
  upsert: accountProcedure('data_manager', 'accounts')
    .input(recordsInput)
    .mutation(({ ctx, input }) =>
      tracked(ctx, 'accounts.upsert', 'accounts', () => upsert(ctx, 'accounts', input.records)),
    ),
  update: accountProcedure('data_manager', 'accounts')
    .input(accountKeyInput.extend({ data: dataInput }))
    .mutation(({ ctx, input }) =>
      tracked(ctx, 'accounts.update', 'accounts', () =>
        update(ctx, 'accounts', { accountId: input.accountId }, input.data),
      ),
    ),
  deactivate: accountProcedure('data_manager', 'accounts')
    .input(accountKeyInput)
    .mutation(({ ctx, input }) =>
      tracked(ctx, 'accounts.deactivate', 'accounts', () => deactivate(ctx, 'accounts', input)),
    ),
})

/** Product users of accounts (`account_users`). */
export const accountUsersRouter = memberRouter('account_users')

/** CRM contacts of accounts (`account_contacts`). */
export const accountContactsRouter = memberRouter('account_contacts')
