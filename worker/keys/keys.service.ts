import type { ApiKeyPrincipal } from '../auth/principal'
import type { Database } from '../db/client'

/** Returns the principal for a whole Account API key, or null when it is unknown, revoked or expired. */
export async function authenticateApiKey(
  db: Database,
  key: string,
): Promise<ApiKeyPrincipal | null> {
  // TODO: implemented by the keys work.
  void db
  void key
  return null
}
