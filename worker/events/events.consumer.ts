import type { Env } from '../env'
import { encodeHexLowerCase } from '@oslojs/encoding'

import { createId } from '../lib/ids'
import { logError, logEvent } from '../lib/log'
import { appendQueuedCalls } from '../status-log/status-log.client'
import type { QueuedCallRecord } from '../status-log/status-log.types'
import type { EventsBatchMessage } from './events.queue'
import { validateEvent } from './events.validate'
import { affectedBuckets, rollupStatements } from './usage.rollup'

const insertEvents = `INSERT OR IGNORE INTO events (org_id, event_id, source_id, account_id, user_id,
    created_at, session_id, action, feature, module, product, payload, received_at, batch_id)
  SELECT ?1, json_extract(value, '$.id'), json_extract(value, '$.source_id'),
         json_extract(value, '$.account_id'), json_extract(value, '$.user_id'),
         json_extract(value, '$.created_at'), json_extract(value, '$.session_id'),
         json_extract(value, '$.action'), json_extract(value, '$.feature'),
         json_extract(value, '$.module'), json_extract(value, '$.product'),
         json_extract(value, '$.payload'), json_extract(value, '$.received_at'), ?3
    FROM json_each(?2)
   WHERE NOT EXISTS (SELECT 1 FROM events e
                      WHERE e.org_id = ?1 AND e.event_id = json_extract(value, '$.id'))
  RETURNING event_id`

const countUnknownAccounts = `SELECT count(*) AS unknown FROM (
    SELECT DISTINCT value AS account_id FROM json_each(?2)) ids
  WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.org_id = ?1 AND a.account_id = ids.account_id)`

interface EventRow {
  id: string
  source_id: string
  received_at: number
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

/** Checks a line again and returns its row, or null (logged) when it no longer validates. */
async function rowOf(message: EventsBatchMessage, line: string): Promise<EventRow | null> {
  const parsed: unknown = JSON.parse(line)
  const event = validateEvent(parsed, message.receivedAt)
  if ('error' in event) {
    // Lines were checked at ingestion against the same receivedAt, so this means a bad producer.
    logError('events.invalid_queued_event', new Error(event.error), { orgId: message.orgId })
    return null
  }
  const payload = JSON.stringify(parsed)
  return {
    id: await eventIdOf(message.sourceId, payload),
    source_id: message.sourceId,
    received_at: message.receivedAt,
    account_id: event.accountId,
    user_id: event.userId,
    created_at: event.createdAt,
    session_id: event.sessionId,
    action: event.action,
    feature: event.feature,
    module: event.module,
    product: event.product,
    payload,
  }
}

/**
 * Turns messages' lines into rows. The event id hashes the source id with the event's JSON
 * re-serialized, so whitespace differences between two sends of one event do not matter. The
 * digests run concurrently rather than one await per line.
 */
async function rowsOf(messages: readonly EventsBatchMessage[]): Promise<EventRow[]> {
  const rows = await Promise.all(
    messages.flatMap((message) => message.lines.map((line) => rowOf(message, line))),
  )
  return rows.filter((row) => row !== null)
}

/**
 * Stores the events of one or more messages of one org and updates the rollups they touch, in
 * one D1 batch so all of it commits together. Returns how many events were new and how many
 * distinct accounts they name are unknown.
 */
export async function storeEventBatch(
  db: D1Database,
  messages: EventsBatchMessage | readonly EventsBatchMessage[],
): Promise<{ inserted: number; duplicates: number; unknownAccounts: number }> {
  const list: readonly EventsBatchMessage[] = Array.isArray(messages) ? messages : [messages]
  const orgId = list[0]?.orgId
  if (list.some((message) => message.orgId !== orgId)) {
    throw new Error('storeEventBatch takes messages of one org only: group them by orgId first.')
  }
  const rows = await rowsOf(list)
  if (orgId === undefined || rows.length === 0) {
    return { inserted: 0, duplicates: 0, unknownAccounts: 0 }
  }

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
  const perBatch = (sql: string) => db.prepare(sql).bind(orgId, token)
  const perAccount = (sql: string, keys: string) => db.prepare(sql).bind(orgId, token, keys)
  const accountIds = JSON.stringify([...new Set(rows.map((row) => row.account_id))])
  // The unknown-account count runs in the same batch, which saves a D1 round trip per message.
  const results = await db.batch<{ event_id?: string; unknown?: number }>([
    db.prepare(insertEvents).bind(orgId, JSON.stringify(rows), token),
    perBatch(s.hourlyUserTotals),
    perBatch(s.hourlyUserFeatures),
    perAccount(s.hourlyAccountRows.delete, hours),
    perAccount(s.hourlyAccountRows.insert, hours),
    perBatch(s.dailyUserRows),
    perAccount(s.dailyAccountRows.delete, days),
    perAccount(s.dailyAccountRows.insert, days),
    db.prepare(countUnknownAccounts).bind(orgId, accountIds),
  ])
  const inserted = results[0]?.results.length ?? 0
  const unknownAccounts = results.at(-1)?.results[0]?.unknown ?? 0
  return { inserted, duplicates: rows.length - inserted, unknownAccounts }
}

/**
 * Characters of event lines stored by one D1 batch. Rows are sent as one JSON parameter of about
 * 2.3 times the lines' size, which keeps it well below D1's 2 MB limit on a value.
 */
const GROUP_BUDGET_CHARS = 400_000

/** Groups a delivery's messages by org, each group within GROUP_BUDGET_CHARS of lines. */
export function groupByOrg<T extends { body: EventsBatchMessage }>(messages: readonly T[]): T[][] {
  const open = new Map<string, { messages: T[]; chars: number }>()
  const groups: T[][] = []
  for (const message of messages) {
    const chars = message.body.lines.reduce((sum, line) => sum + line.length, 0)
    let group = open.get(message.body.orgId)
    if (!group || (group.messages.length > 0 && group.chars + chars > GROUP_BUDGET_CHARS)) {
      group = { messages: [], chars: 0 }
      open.set(message.body.orgId, group)
      groups.push(group.messages)
    }
    group.messages.push(message)
    group.chars += chars
  }
  return groups
}

/** Stores a group of messages and acks them; returns the error instead of throwing. */
async function storeGroup(
  env: Env,
  group: readonly Message<EventsBatchMessage>[],
): Promise<unknown> {
  const { orgId } = group[0]!.body
  try {
    const outcome = await storeEventBatch(
      env.DB,
      group.map((message) => message.body),
    )
    const messageIds = group.map((message) => message.id)
    logEvent('events.batch_stored', { orgId, messageIds, ...outcome })
    if (outcome.unknownAccounts > 0) {
      logEvent('events.unknown_accounts', { orgId, count: outcome.unknownAccounts })
    }
    for (const message of group) message.ack()
    return null
  } catch (error) {
    return error ?? new Error('storeEventBatch failed')
  }
}

/** Backoff before a failed message is delivered again, in seconds. */
function retryDelay(message: Message<unknown>): number {
  return Math.min(60, 5 * message.attempts)
}

/**
 * Appends the status entries the messages carry to their orgs' logs, one call per org. Returns
 * the orgs whose log could not be written.
 */
async function logQueuedCalls(
  messages: readonly Message<EventsBatchMessage>[],
  env: Env,
): Promise<Set<string>> {
  const callsByOrg = new Map<string, QueuedCallRecord[]>()
  for (const { body } of messages) {
    if (!body.call) continue
    const calls = callsByOrg.get(body.orgId) ?? []
    calls.push(body.call)
    callsByOrg.set(body.orgId, calls)
  }
  const failed = new Set<string>()
  await Promise.all(
    [...callsByOrg].map(async ([orgId, calls]) => {
      if (!(await appendQueuedCalls(env, orgId, calls))) failed.add(orgId)
    }),
  )
  return failed
}

/**
 * Consumes `events.batch` messages. First the API status entries they carry go to each org's log,
 * one call per org. An org whose log fails has its messages retried, so no entry is lost, and the
 * log skips entries it already contains.
 *
 * Then the messages of each org are stored together in one D1 batch (fewer round trips when many
 * small requests were queued) and acked on success. When a group fails, each of its messages is
 * stored alone, so one bad message cannot hold back the others. A message that fails alone is
 * retried with backoff.
 */
export async function handleEventMessages(
  messages: readonly Message<EventsBatchMessage>[],
  env: Env,
): Promise<void> {
  const unlogged = await logQueuedCalls(messages, env)
  for (const group of groupByOrg(messages)) {
    if (unlogged.has(group[0]!.body.orgId)) {
      for (const message of group) message.retry({ delaySeconds: retryDelay(message) })
      continue
    }
    if (group.length > 1 && (await storeGroup(env, group)) === null) continue
    for (const message of group) {
      const error = await storeGroup(env, [message])
      if (error === null) continue
      logError('events.batch_failed', error, {
        orgId: message.body.orgId,
        sourceId: message.body.sourceId,
        messageId: message.id,
        attempts: message.attempts,
      })
      message.retry({ delaySeconds: retryDelay(message) })
    }
  }
}
