import type { Database } from '../db/client'
import type { SessionPrincipal } from './principal'

/**
 * Reads the session cookie from `request` and returns its principal, or null when the cookie is
 * missing, unknown or expired.
 */
export async function readSession(
  db: Database,
  request: Request,
): Promise<SessionPrincipal | null> {
  // TODO: implemented by the auth work.
  void db
  void request
  return null
}
