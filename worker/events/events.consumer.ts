import type { Env } from '../env'
import { encodeHexLowerCase } from '@oslojs/encoding'

import { createId } from '../lib/ids'
import { logError, logEvent } from '../lib/log'
import type { EventsBatchMessage } from './events.queue'
import { validateEvent } from './events.validate'
import { affectedBuckets, rollupStatements } from './usage.rollup'

const insertEvents = `INSERT OR IGNORE INTO events (org_id, event_id, source_id, account_id, user_id,
    created_at, session_id, action, feature, module, product, payload, received_at, batch_id)
  SELECT ?1, json_extract(value, '$.id'), ?3, json_extract(value, '$.account_id'),
         json_extract(value, '$.user_id'), json_extract(value, '$.created_at'),
         json_extract(value, '$.session_id'), json_extract(value, '$.action'),
         json_extract(value, '$.feature'), json_extract(value, '$.module'),
         json_extract(value, '$.product'), json_extract(value, '$.payload'), ?4, ?5
    FROM json_each(?2)
  RETURNING event_id`

const countUnknownAccounts = `SELECT count(*) AS unknown FROM (
    SELECT DISTINCT value AS account_id FROM json_each(?2)) ids
  WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.org_id = ?1 AND a.account_id = ids.account_id)`

interface EventRow {
  id: string
  account_id: string
  user_id: string
  created_at: number
  session_id: string
  action: string
  feature: string | null
  module: string | null
  product: string | null
  payload: string
}

const encoder = new TextEncoder()

/** Hex SHA-256 of the source id and the event JSON, by the runtime's native digest. */
async function eventIdOf(sourceId: string, payload: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(`${sourceId}\n${payload}`))
  return encodeHexLowerCase(new Uint8Array(digest))
}

/**
 * Turns a message's lines into rows. The event id hashes the source id with the event's JSON
 * re-serialized, so whitespace differences between two sends of one event do not matter.
 */
async function rowsOf(message: EventsBatchMessage): Promise<EventRow[]> {
  const rows: EventRow[] = []
  for (const line of message.lines) {
    const parsed: unknown = JSON.parse(line)
    const event = validateEvent(parsed, message.receivedAt)
    if ('error' in event) {
      // Lines were checked at ingestion against the same receivedAt, so this means a bad producer.
      logError('events.invalid_queued_event', new Error(event.error), { orgId: message.orgId })
      continue
    }
    const payload = JSON.stringify(parsed)
    rows.push({
      id: await eventIdOf(message.sourceId, payload),
      account_id: event.accountId,
      user_id: event.userId,
      created_at: event.createdAt,
      session_id: event.sessionId,
      action: event.action,
      feature: event.feature,
      module: event.module,
      product: event.product,
      payload,
    })
  }
  return rows
}

/**
 * Stores one message's events and updates the rollups they touch, in one D1 batch so both
 * commit together. Returns how many events were new and how many named unknown accounts.
 */
export async function storeEventBatch(
  db: D1Database,
  message: EventsBatchMessage,
): Promise<{ inserted: number; duplicates: number; unknownAccounts: number }> {
  const rows = await rowsOf(message)
  if (rows.length === 0) return { inserted: 0, duplicates: 0, unknownAccounts: 0 }

  const { hours, days } = affectedBuckets(
    rows.map((row) => ({
      accountId: row.account_id,
      userId: row.user_id,
      createdAt: row.created_at,
    })),
  )
  // A fresh token per delivery: rows a previous delivery inserted never carry it.
  const token = createId('batch')
  const s = rollupStatements
  const perBatch = (sql: string) => db.prepare(sql).bind(message.orgId, token)
  const perAccount = (sql: string, keys: string) => db.prepare(sql).bind(message.orgId, token, keys)
  const accountIds = JSON.stringify([...new Set(rows.map((row) => row.account_id))])
  // The unknown-account count runs in the same batch, which saves a D1 round trip per message.
  const results = await db.batch<{ event_id?: string; unknown?: number }>([
    db
      .prepare(insertEvents)
      .bind(message.orgId, JSON.stringify(rows), message.sourceId, message.receivedAt, token),
    perBatch(s.hourlyUserTotals),
    perBatch(s.hourlyUserFeatures),
    perAccount(s.hourlyAccountRows.delete, hours),
    perAccount(s.hourlyAccountRows.insert, hours),
    perBatch(s.dailyUserTotals),
    perBatch(s.dailyUserFeatures),
    perAccount(s.dailyAccountRows.delete, days),
    perAccount(s.dailyAccountRows.insert, days),
    db.prepare(countUnknownAccounts).bind(message.orgId, accountIds),
  ])
  const inserted = results[0]?.results.length ?? 0
  const unknownAccounts = results.at(-1)?.results[0]?.unknown ?? 0
  return { inserted, duplicates: rows.length - inserted, unknownAccounts }
}

/**
 * Consumes `events.batch` messages: stores each message's events and updates rollups, acking
 * each message on success and retrying it with backoff when D1 fails.
 */
export async function handleEventMessages(
  messages: readonly Message<EventsBatchMessage>[],
  env: Env,
): Promise<void> {
  for (const message of messages) {
    const { orgId, sourceId } = message.body
    try {
      const outcome = await storeEventBatch(env.DB, message.body)
      logEvent('events.batch_stored', { orgId, sourceId, messageId: message.id, ...outcome })
      if (outcome.unknownAccounts > 0) {
        logEvent('events.unknown_accounts', { orgId, sourceId, count: outcome.unknownAccounts })
      }
      message.ack()
    } catch (error) {
      logError('events.batch_failed', error, {
        orgId,
        sourceId,
        messageId: message.id,
        attempts: message.attempts,
      })
      message.retry({ delaySeconds: Math.min(60, 5 * message.attempts) })
    }
  }
}
