import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client'
import { env, exports } from 'cloudflare:workers'

import type { Role } from '../orgs/orgs.schema'
import { statusLogFor } from '../status-log/status-log.client'
import type { CallFilter } from '../status-log/status-log.types'
import type { AppRouter } from '../trpc/router'
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
  const response = await exports.default.fetch(
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

/** Builds a valid account record with the given id. */
export function account(accountId: string, extra: Record<string, unknown> = {}) {
  return { account_id: accountId, name: `Account ${accountId}`, join_date: 1598907978483, ...extra }
}

/** Builds a typed tRPC client that calls the real Worker with `headers`. */
function trpcClient(headers: Record<string, string>) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: 'http://x/api/trpc',
        headers,
        fetch: (url, init) => exports.default.fetch(new Request(url, init)),
      }),
    ],
  })
}

/** Builds a tRPC client signed in as a new console user of `orgId` with `role`. */
export async function sessionClient(orgId: string, role: Role) {
  const user = await createSignedInUser(orgId, role)
  return trpcClient(user.headers)
}

/** Builds a tRPC client that sends the Account API `key` as a Bearer token. */
export function keyClient(key: string) {
  return trpcClient({ authorization: `Bearer ${key}` })
}

/** Returns the tRPC error code a call was rejected with. */
export async function rejectionCode(call: Promise<unknown>): Promise<string | undefined> {
  const error = await call.catch((caught: unknown) => caught)
  if (!(error instanceof TRPCClientError)) throw new Error('Expected the call to be rejected')
  return (error.data as { code?: string } | undefined)?.code
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
