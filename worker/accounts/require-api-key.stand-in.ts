import { and, eq, isNull } from 'drizzle-orm'
import { createMiddleware } from 'hono/factory'

import type { ApiKeyPrincipal } from '../auth/principal'
import { readApiKey } from '../auth/resolve'
import { createDb } from '../db/client'
import type { AppEnv } from '../env'
import { apiKeys } from '../keys/keys.schema'
import { hashSecret } from '../lib/hash'

// TODO: delete this file once the keys branch lands worker/keys/require-api-key.ts; it only keeps
// the Account API testable until then and has the same name and effect.

/** Hono middleware that rejects a request without a valid Account API key and sets `principal`. */
export const requireApiKey = createMiddleware<{
  Bindings: AppEnv['Bindings']
  Variables: AppEnv['Variables'] & { principal: ApiKeyPrincipal }
}>(async (c, next) => {
  const key = readApiKey(c.req.raw)
  if (key === null) {
    const message = 'Missing API key: send ?api_key=<key> or HTTP Basic auth with user "api".'
    return c.json({ status_is_ok: false, message }, 401)
  }
  const [row] = await createDb(c.env.DB)
    .select({
      id: apiKeys.id,
      orgId: apiKeys.orgId,
      prefix: apiKeys.prefix,
      expiresAt: apiKeys.expiresAt,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashSecret(key)), isNull(apiKeys.revokedAt)))
  if (!row || (row.expiresAt !== null && row.expiresAt <= Date.now())) {
    const message =
      'Invalid API key: it is unknown, revoked or expired. Create a key in IT Administration.'
    return c.json({ status_is_ok: false, message }, 401)
  }
  c.set('principal', { kind: 'api_key', orgId: row.orgId, keyId: row.id, keyPrefix: row.prefix })
  await next()
})
