import { TRPCError } from '@trpc/server'

import type { Database } from '../db/client'
import { authenticateApiKey } from '../keys/keys.service'
import type { Principal } from './principal'
import { readSession } from './session'

/**
 * Reads the Account API key the Natero ways (`?api_key=`, HTTP Basic with user `api`) or as
 * `Authorization: Bearer`. Returns null when the request carries none.
 */
export function readApiKey(request: Request): string | null {
  const fromQuery = new URL(request.url).searchParams.get('api_key')
  if (fromQuery) return fromQuery

  const header = request.headers.get('authorization')
  if (!header) return null
  const [scheme, value] = header.split(' ', 2)
  if (!scheme || !value) return null
  if (scheme.toLowerCase() === 'bearer') return value.trim()
  if (scheme.toLowerCase() === 'basic') {
    let decoded: string
    try {
      decoded = atob(value.trim())
    } catch {
      return null
    }
    const separator = decoded.indexOf(':')
    if (separator < 0 || decoded.slice(0, separator) !== 'api') return null
    return decoded.slice(separator + 1)
  }
  return null
}

/**
 * Resolves who is calling a tRPC procedure: an API key when one is sent, otherwise the session
 * cookie. Throws UNAUTHORIZED with the reason when a key is sent but rejected, rather than falling
 * back to the session, so a client learns its key is revoked or expired. Pass `resHeaders` where
 * the response can carry renewed session cookies (see `readSession`).
 */
export async function resolvePrincipal(
  db: Database,
  request: Request,
  executionCtx: Pick<ExecutionContext, 'waitUntil'>,
  resHeaders?: Headers,
): Promise<Principal | null> {
  const key = readApiKey(request)
  if (key === null) return readSession(db, request, resHeaders)

  const check = await authenticateApiKey(db, key, executionCtx)
  if (!check.ok) throw new TRPCError({ code: 'UNAUTHORIZED', message: check.message })
  return check.principal
}
