import type { Database } from '../db/client'
import type { Entity } from './accounts.fields'
import { deactivateRecords, findRecords, type RecordKey } from './accounts.queries'

/** Names as the deactivation messages spell them. */
const kinds: Record<Entity, string> = {
  accounts: 'Account',
  account_users: 'Account user',
  account_contacts: 'Account contact',
}

/** The outcome of a deactivation: the records after it and a message, or none matched the key. */
export type DeactivateOutcome =
  { found: true; results: Record<string, unknown>[]; message: string } | { found: false }

/**
 * Marks the records matching `key` inactive. When every match was already
 * inactive, the message states that, because a repeated DELETE changes nothing.
 */
export async function deactivateWithMessage(
  db: Database,
  orgId: string,
  entity: Entity,
  key: RecordKey,
): Promise<DeactivateOutcome> {
  const before = await findRecords(db, orgId, entity, key)
  if (before.length === 0) return { found: false }
  const active = before.filter((record) => record.is_active !== false).length
  const id = key.userId ?? key.accountId
  if (active === 0) {
    const message =
      before.length === 1
        ? `${kinds[entity]} ${id} was already inactive; nothing changed.`
        : `All ${before.length} records of ${kinds[entity].toLowerCase()} ${id} were already inactive; nothing changed.`
    return { found: true, results: before, message }
  }
  await deactivateRecords(db, orgId, entity, key)
  const results = await findRecords(db, orgId, entity, key)
  const message = active === 1 ? 'Deactivated 1 record.' : `Deactivated ${active} records.`
  return { found: true, results, message }
}
