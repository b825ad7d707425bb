import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'

import type { ApiKeyPrincipal } from '../auth/principal'
import { readApiKey } from '../auth/resolve'
import { createDb } from '../db/client'
import type { AppEnv } from '../env'
import { recordCall } from '../status-log/status-log.client'
import { HOW_TO_SEND_API_KEY } from './keys.format'
import { authenticateApiKey, type ApiKeyCheck } from './keys.service'

/** Hono env of routes behind `requireApiKey`, where `c.var.principal` is always set. */
export type ApiKeyEnv = {
  Bindings: AppEnv['Bindings']
  Variables: AppEnv['Variables'] & { principal: ApiKeyPrincipal }
}

/** Challenge sent with every 401, naming the HTTP Basic scheme Natero clients use. */
const CHALLENGE = 'Basic realm="Switchyard Account API", charset="UTF-8"'

/**
 * Hono middleware for the Account API: accepts the key as `?api_key=`, HTTP Basic with user name
 * `api`, or `Authorization: Bearer`, and sets `c.var.principal`. A missing or rejected key gets
 * 401 with the Natero envelope `{status_is_ok: false, message}`, where the message explains how
 * to send a key or why this one stopped working. Calls with a revoked or expired key are also
 * written to the owning org's status log, so its admins can see which client still uses it.
 *
 * @example
 * accountApiRoutes.use('*', requireApiKey)
 * accountApiRoutes.get('/accounts', (c) => listAccounts(c.var.principal.orgId))
 */
export const requireApiKey = createMiddleware<ApiKeyEnv>(async (c, next) => {
  const startedAt = Date.now()
  const key = readApiKey(c.req.raw)
  if (key === null) {
    const sentHeader = c.req.header('authorization') !== undefined
    const message = sentHeader
      ? `The Authorization header carries no Account API key. ${HOW_TO_SEND_API_KEY}`
      : `Missing Account API key. ${HOW_TO_SEND_API_KEY}`
    return c.json({ status_is_ok: false, message }, 401, { 'www-authenticate': CHALLENGE })
  }

  const check = await authenticateApiKey(createDb(c.env.DB), key, c.executionCtx)
  if (!check.ok) {
    if (check.orgId !== null) recordRejectedCall(c, check.orgId, check, startedAt)
    return c.json({ status_is_ok: false, message: check.message }, 401, {
      'www-authenticate': CHALLENGE,
    })
  }

  c.set('principal', check.principal)
  await next()
})

function recordRejectedCall(
  c: Context<ApiKeyEnv>,
  orgId: string,
  check: Extract<ApiKeyCheck, { ok: false }>,
  startedAt: number,
): void {
  recordCall(c.env, c.executionCtx, orgId, {
    time: startedAt,
    requestId: c.get('requestId'),
    method: c.req.method,
    path: c.req.path,
    api: apiNameOf(c.req.path),
    source: 'rest',
    keyPrefix: check.keyPrefix,
    httpStatus: 401,
    recordsSent: 0,
    failedRecords: [],
    durationMs: Date.now() - startedAt,
    message: check.message,
  })
}

/** Names the API from the path: `/api/v2/account_users/42` → `account_users`. */
function apiNameOf(path: string): string {
  const afterBase = path.replace(/^\/api\/v2\/?/, '')
  return afterBase.split('/')[0] || 'unknown'
}
