/**
 * SQL that updates usage rollups for the events one queue delivery inserted. The insert tags new
 * rows with a random batch token (`events.batch_id`). The statements below run in the same D1
 * batch and read only rows carrying that token. A redelivered message inserts no rows, so its
 * events are not counted again. Parameters: ?1 is the org id, ?2 the batch token, and ?3 (account
 * rows only) a JSON array of [account_id, user_id, bucket_start] keys the batch touched.
 *
 * Session time: events of one (account, user, session_id) are ordered by created_at, then
 * event_id. Each event adds the gap since the previous one when that gap is at most 30 minutes.
 * A longer gap starts a new session and adds nothing. The gap is credited to the bucket of the later event.
 * An event that arrives late can split an existing gap, so the statement also corrects the gap of
 * the older event that now follows it.
 */

/*
 * Without table statistics SQLite may read new rows through the session index, which scans every
 * event of the org, because that index spares a sort for GROUP BY. `INDEXED BY events_batch_idx`
 * and `CROSS JOIN` (which fixes the join order) keep each statement's cost to the rows the
 * delivery touched, whatever the size of the table.
 */

/** A gap longer than this ends a session, in ms. */
export const SESSION_TIMEOUT_MS = 30 * 60_000

export const HOUR_MS = 3600_000
export const DAY_MS = 24 * HOUR_MS

function gap(later: string, earlier: string): string {
  return `CASE WHEN ${earlier} IS NOT NULL AND ${later} - ${earlier} <= ${SESSION_TIMEOUT_MS}
            THEN ${later} - ${earlier} ELSE 0 END`
}

const sameSession = (row: string, other: string) =>
  `${other}.org_id = ${row}.org_id AND ${other}.account_id = ${row}.account_id
   AND ${other}.user_id = ${row}.user_id AND ${other}.session_id = ${row}.session_id`

/**
 * Orders `other` before `row` by (created_at, event_id). The plain range on created_at comes first
 * so SQLite can seek the session index instead of scanning the whole session.
 */
const before = (row: string, other: string) =>
  `${other}.created_at <= ${row}.created_at
   AND (${other}.created_at < ${row}.created_at OR ${other}.event_id < ${row}.event_id)`

/** Time of the event before `row` in its session, among all events or only older deliveries. */
function previousTime(row: string, onlyOlder: boolean): string {
  const older = onlyOlder ? 'AND p.batch_id <> ?2' : ''
  return `(SELECT p.created_at FROM events p
            WHERE ${sameSession(row, 'p')} AND ${before(row, 'p')} ${older}
            ORDER BY p.created_at DESC LIMIT 1)`
}

/** Id of the event right after `row` in its session. */
function nextEventId(row: string): string {
  return `(SELECT n.event_id FROM events n
            WHERE ${sameSession(row, 'n')} AND ${before('n', row)}
            ORDER BY n.created_at, n.event_id LIMIT 1)`
}

/**
 * Per-event changes to counts and session time: one row per new event, plus one per older event
 * whose previous event is now a new one.
 */
const deltas = `fresh AS (SELECT * FROM events WHERE org_id = ?1 AND batch_id = ?2),
  deltas AS (
    SELECT x.account_id, x.user_id, x.created_at, 1 AS events,
           ${gap('x.created_at', previousTime('x', false))} AS ms
      FROM fresh x
    UNION ALL
    SELECT n.account_id, n.user_id, n.created_at, 0,
           ${gap('n.created_at', 'x.created_at')} - ${gap('n.created_at', previousTime('n', true))}
      FROM fresh x
      JOIN events n ON n.org_id = ?1 AND n.event_id = ${nextEventId('x')}
     WHERE n.batch_id <> ?2)`

const addOnConflict = `ON CONFLICT (org_id, account_id, user_id, bucket_start, feature, module)
  DO UPDATE SET event_count = event_count + excluded.event_count,
                session_ms = session_ms + excluded.session_ms`

function userTotals(table: string, bucketMs: number): string {
  return `WITH ${deltas}
    INSERT INTO ${table} (org_id, account_id, user_id, bucket_start, feature, module,
                          event_count, active_users, session_ms)
    SELECT ?1, account_id, user_id, created_at - created_at % ${bucketMs}, '', '',
           sum(events), 1, sum(ms)
      FROM deltas
     GROUP BY account_id, user_id, created_at - created_at % ${bucketMs}
    ${addOnConflict}`
}

function userFeatures(table: string, bucketMs: number): string {
  return `INSERT INTO ${table} (org_id, account_id, user_id, bucket_start, feature, module,
                               event_count, active_users, session_ms)
    SELECT ?1, account_id, user_id, created_at - created_at % ${bucketMs},
           coalesce(feature, ''), coalesce(module, ''), count(*), 1, 0
      FROM events INDEXED BY events_batch_idx
     WHERE org_id = ?1 AND batch_id = ?2 AND (feature IS NOT NULL OR module IS NOT NULL)
     GROUP BY account_id, user_id, created_at - created_at % ${bucketMs},
              coalesce(feature, ''), coalesce(module, '')
    ${addOnConflict}`
}

/** True when the delivery inserted at least one event; a redelivery changes no rollup. */
const anyFresh = 'EXISTS (SELECT 1 FROM events WHERE org_id = ?1 AND batch_id = ?2)'

/**
 * Account rows (`user_id = '*'`) are rebuilt from the per-user rows: one row per user, so cheap.
 * Both statements do nothing when the delivery inserted no event (all duplicates).
 */
function accountRows(table: string): { delete: string; insert: string } {
  const buckets = `SELECT DISTINCT json_extract(value, '$[0]'), json_extract(value, '$[2]')
                     FROM json_each(?3)`
  return {
    delete: `DELETE FROM ${table} WHERE ${anyFresh} AND org_id = ?1 AND user_id = '*'
               AND (account_id, bucket_start) IN (${buckets})`,
    insert: `INSERT INTO ${table} (org_id, account_id, user_id, bucket_start, feature, module,
                                   event_count, active_users, session_ms)
      SELECT ?1, account_id, '*', bucket_start, feature, module,
             sum(event_count), count(*), sum(session_ms)
        FROM ${table}
       WHERE ${anyFresh} AND org_id = ?1 AND user_id <> '*'
         AND (account_id, bucket_start) IN (${buckets})
       GROUP BY account_id, bucket_start, feature, module`,
  }
}

/**
 * Rebuilds the daily per-user rows of the user-days the delivery touched by summing their hourly
 * rows, which the statements before it have brought up to date. Hours nest in UTC days and a gap
 * is credited to the later event's bucket, so a day's figures are the sum of its hours. Summing
 * at most 24 hourly rows per key costs less than working out session gaps a second time. The
 * touched days are those of each new event and of 30 minutes later, where the older event whose
 * gap it splits may sit. Rows are only ever added, so replacing the keys found is enough.
 */
const dailyUserRows = `WITH touched AS (
    SELECT account_id, user_id, created_at - created_at % ${DAY_MS} AS day
      FROM events INDEXED BY events_batch_idx WHERE org_id = ?1 AND batch_id = ?2
    UNION
    SELECT account_id, user_id,
           (created_at + ${SESSION_TIMEOUT_MS}) - (created_at + ${SESSION_TIMEOUT_MS}) % ${DAY_MS}
      FROM events INDEXED BY events_batch_idx WHERE org_id = ?1 AND batch_id = ?2)
  INSERT INTO usage_daily (org_id, account_id, user_id, bucket_start, feature, module,
                           event_count, active_users, session_ms)
  SELECT ?1, h.account_id, h.user_id, t.day, h.feature, h.module,
         sum(h.event_count), 1, sum(h.session_ms)
    FROM touched t
    CROSS JOIN usage_hourly h
      ON h.org_id = ?1 AND h.account_id = t.account_id AND h.user_id = t.user_id
     AND h.bucket_start >= t.day AND h.bucket_start < t.day + ${DAY_MS}
   GROUP BY h.account_id, h.user_id, t.day, h.feature, h.module
  ON CONFLICT (org_id, account_id, user_id, bucket_start, feature, module)
  DO UPDATE SET event_count = excluded.event_count, session_ms = excluded.session_ms`

/** Statements, in order, that update the hourly and daily rollups for one batch token. */
export const rollupStatements = {
  hourlyUserTotals: userTotals('usage_hourly', HOUR_MS),
  hourlyUserFeatures: userFeatures('usage_hourly', HOUR_MS),
  hourlyAccountRows: accountRows('usage_hourly'),
  dailyUserRows,
  dailyAccountRows: accountRows('usage_daily'),
}

/**
 * Returns JSON keys of the account-hours and account-days an event at `createdAt` can change:
 * its own, and those of the time 30 minutes later, where the older event whose gap it splits
 * may sit.
 */
export function affectedBuckets(
  events: { accountId: string; userId: string; createdAt: number }[],
): { hours: string; days: string } {
  const hours = new Map<string, [string, string, number]>()
  const days = new Map<string, [string, string, number]>()
  for (const event of events) {
    for (const time of [event.createdAt, event.createdAt + SESSION_TIMEOUT_MS]) {
      const hour = time - (time % HOUR_MS)
      const day = time - (time % DAY_MS)
      hours.set(`${event.accountId}\n${hour}`, [event.accountId, event.userId, hour])
      days.set(`${event.accountId}\n${day}`, [event.accountId, event.userId, day])
    }
  }
  return { hours: JSON.stringify([...hours.values()]), days: JSON.stringify([...days.values()]) }
}
