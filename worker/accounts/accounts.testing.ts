import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'

import type { ApiKeyPrincipal, SessionPrincipal } from '../auth/principal'
import { createDb } from '../db/client'
import type { Role } from '../orgs/orgs.schema'
import { statusLogFor } from '../status-log/status-log.client'
import type { CallFilter } from '../status-log/status-log.types'
import { createCallerFactory } from '../trpc/init'
import { appRouter } from '../trpc/router'
import { createApiKey, createOrg, createSignedInUser } from '../../test/fixtures'

/** Test helpers shared by the Account API tests. */

export interface ApiOptions {
  key?: string
  body?: unknown
  rawBody?: string
  contentType?: string | null
}

/** Calls the Worker's Account API and returns the status and parsed JSON body. */
export async function api(method: string, path: string, options: ApiOptions = {}) {
  const headers = new Headers()
  if (options.key) headers.set('authorization', `Bearer ${options.key}`)
  const text =
    options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
  // A string body gets a default text/plain Content-Type; bytes get none, so null means "no header".
  const body =
    options.contentType === null && text !== undefined ? new TextEncoder().encode(text) : text
  if (text !== undefined && options.contentType !== null) {
    headers.set('content-type', options.contentType ?? 'application/json')
  }
  // The Worker's default export; cast because test/env.d.ts declares no GlobalProps.mainModule.
  const worker = (exports as unknown as { default: Fetcher }).default
  const response = await worker.fetch(
    new Request(`http://x/api/v2${path}`, { method, headers, body }),
  )
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json = (await response.json()) as any
  return { status: response.status, body: json }
}

/** Creates an org with an API key. */
export async function orgWithKey(name = 'Test Org') {
  const org = await createOrg(name)
  const { key, prefix } = await createApiKey(org.id)
  return { orgId: org.id, key, prefix }
}

/** A valid account record with the given id. */
export function account(accountId: string, extra: Record<string, unknown> = {}) {
  return { account_id: accountId, name: `Account ${accountId}`, join_date: 1598907978483, ...extra }
}

/** Builds a tRPC caller acting as a console user of `orgId` with `role`. */
export async function sessionCaller(orgId: string, role: Role) {
  const user = await createSignedInUser(orgId, role)
  const principal: SessionPrincipal = {
    kind: 'session',
    orgId,
    userId: user.userId,
    email: user.email,
    name: `User ${role}`,
    role,
    sessionId: 'session_test',
    csrfToken: user.csrfToken,
  }
  return callerFor(principal)
}

/** Builds a tRPC caller acting with an API key of `orgId`. */
export function keyCaller(orgId: string, keyPrefix = 'sya_test') {
  const principal: ApiKeyPrincipal = { kind: 'api_key', orgId, keyId: 'key_test', keyPrefix }
  return callerFor(principal)
}

function callerFor(principal: SessionPrincipal | ApiKeyPrincipal) {
  const executionCtx = createExecutionContext()
  const caller = createCallerFactory(appRouter)({
    env,
    db: createDb(env.DB),
    executionCtx,
    req: new Request('http://x/api/trpc', { method: 'POST' }),
    resHeaders: new Headers(),
    requestId: 'req_trpc_test',
    principal,
  })
  return Object.assign(caller, { settle: () => waitOnExecutionContext(executionCtx) })
}

/** Waits until the org's status log has an entry matching `filter`, and returns the newest. */
export async function waitForLogEntry(orgId: string, filter: CallFilter = {}) {
  const log = statusLogFor(env, orgId)
  for (let attempt = 0; attempt < 50; attempt++) {
    const [summary] = await log.list({ ...filter, limit: 1 })
    if (summary) return log.get(summary.id)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`No status-log entry for org ${orgId} matching ${JSON.stringify(filter)}`)
}

/** Counts the org's accounts straight from D1. */
export async function countRows(
  table: 'accounts' | 'account_users' | 'account_contacts',
  orgId: string,
) {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE org_id = ?`)
    .bind(orgId)
    .first<{ n: number }>()
  return row?.n ?? 0
}
