/**
 * SQL that rebuilds usage rollups from stored events. Each statement takes the org id as ?1 and a
 * JSON array of affected keys as ?2, so a whole message needs two bound parameters per statement.
 *
 * Rollup rows are recomputed from the `events` table rather than incremented. Recomputing is
 * idempotent, so a redelivered message, a resent event or an event arriving out of order leaves
 * the same counts as a single in-order delivery.
 *
 * Session time: within one (account, user, session_id), each event adds the gap since the
 * previous event of that session when the gap is at most 30 minutes; a longer gap starts a new
 * session and adds nothing. The gap is credited to the hour of the later event.
 */

/** A gap longer than this ends a session, in ms. */
export const SESSION_TIMEOUT_MS = 30 * 60_000

export const HOUR_MS = 3600_000
export const DAY_MS = 24 * HOUR_MS

const affectedHours = `affected AS (
  SELECT json_extract(value, '$[0]') AS account_id, json_extract(value, '$[1]') AS user_id,
         json_extract(value, '$[2]') AS hour
    FROM json_each(?2))`

const affectedDays = `affected AS (
  SELECT json_extract(value, '$[0]') AS account_id, json_extract(value, '$[1]') AS user_id,
         json_extract(value, '$[2]') AS day
    FROM json_each(?2))`

/** Events of each affected user-hour, plus the 30 minutes before it for session gaps. */
const hourEvents = `${affectedHours},
  windowed AS (
    SELECT a.hour, e.account_id, e.user_id, e.created_at, e.feature, e.module,
           e.created_at - LAG(e.created_at) OVER (
             PARTITION BY a.hour, e.account_id, e.user_id, e.session_id
             ORDER BY e.created_at, e.event_id) AS gap
      FROM affected a
      JOIN events e ON e.org_id = ?1 AND e.account_id = a.account_id AND e.user_id = a.user_id
       AND e.created_at >= a.hour - ${SESSION_TIMEOUT_MS} AND e.created_at < a.hour + ${HOUR_MS})`

/** Statements, in order, that rebuild the hourly and daily rows of the affected keys. */
export const rollupStatements = {
  deleteUserHours: `WITH ${affectedHours}
    DELETE FROM usage_hourly WHERE org_id = ?1
       AND (account_id, user_id, bucket_start) IN (SELECT account_id, user_id, hour FROM affected)`,

  insertUserHourTotals: `WITH ${hourEvents}
    INSERT INTO usage_hourly (org_id, account_id, user_id, bucket_start, feature, module,
                              event_count, active_users, session_ms)
    SELECT ?1, account_id, user_id, hour, '', '', count(*), 1,
           coalesce(sum(CASE WHEN gap <= ${SESSION_TIMEOUT_MS} THEN gap ELSE 0 END), 0)
      FROM windowed WHERE created_at >= hour
     GROUP BY account_id, user_id, hour`,

  insertUserHourFeatures: `WITH ${affectedHours}
    INSERT INTO usage_hourly (org_id, account_id, user_id, bucket_start, feature, module,
                              event_count, active_users, session_ms)
    SELECT ?1, e.account_id, e.user_id, a.hour, coalesce(e.feature, ''), coalesce(e.module, ''),
           count(*), 1, 0
      FROM affected a
      JOIN events e ON e.org_id = ?1 AND e.account_id = a.account_id AND e.user_id = a.user_id
       AND e.created_at >= a.hour AND e.created_at < a.hour + ${HOUR_MS}
     WHERE e.feature IS NOT NULL OR e.module IS NOT NULL
     GROUP BY e.account_id, e.user_id, a.hour, coalesce(e.feature, ''), coalesce(e.module, '')`,

  deleteAccountHours: accountStatements('usage_hourly', affectedHours, 'hour').delete,
  insertAccountHours: accountStatements('usage_hourly', affectedHours, 'hour').insert,

  deleteUserDays: `WITH ${affectedDays}
    DELETE FROM usage_daily WHERE org_id = ?1
       AND (account_id, user_id, bucket_start) IN (SELECT account_id, user_id, day FROM affected)`,

  insertUserDays: `WITH ${affectedDays}
    INSERT INTO usage_daily (org_id, account_id, user_id, bucket_start, feature, module,
                             event_count, active_users, session_ms)
    SELECT ?1, h.account_id, h.user_id, a.day, h.feature, h.module,
           sum(h.event_count), 1, sum(h.session_ms)
      FROM affected a
      JOIN usage_hourly h ON h.org_id = ?1 AND h.account_id = a.account_id
       AND h.user_id = a.user_id AND h.bucket_start >= a.day AND h.bucket_start < a.day + ${DAY_MS}
     GROUP BY h.account_id, h.user_id, a.day, h.feature, h.module`,

  deleteAccountDays: accountStatements('usage_daily', affectedDays, 'day').delete,
  insertAccountDays: accountStatements('usage_daily', affectedDays, 'day').insert,
}

/**
 * Rebuilds the account rows (`user_id = '*'`) of a rollup table from its per-user rows:
 * events and session time summed, active users counted.
 */
function accountStatements(table: string, affected: string, bucket: 'hour' | 'day') {
  const buckets = `SELECT DISTINCT account_id, ${bucket} FROM affected`
  return {
    delete: `WITH ${affected}
      DELETE FROM ${table} WHERE org_id = ?1 AND user_id = '*'
         AND (account_id, bucket_start) IN (${buckets})`,
    insert: `WITH ${affected}
      INSERT INTO ${table} (org_id, account_id, user_id, bucket_start, feature, module,
                            event_count, active_users, session_ms)
      SELECT ?1, account_id, '*', bucket_start, feature, module,
             sum(event_count), count(*), sum(session_ms)
        FROM ${table}
       WHERE org_id = ?1 AND user_id <> '*' AND (account_id, bucket_start) IN (${buckets})
       GROUP BY account_id, bucket_start, feature, module`,
  }
}

/**
 * Returns the JSON keys of the user-hours and user-days whose rollups an event at `createdAt`
 * can change: its own hour, and the hour 30 minutes later, whose first gap may end at it.
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
      hours.set(JSON.stringify([event.accountId, event.userId, hour]), [
        event.accountId,
        event.userId,
        hour,
      ])
      days.set(JSON.stringify([event.accountId, event.userId, day]), [
        event.accountId,
        event.userId,
        day,
      ])
    }
  }
  return { hours: JSON.stringify([...hours.values()]), days: JSON.stringify([...days.values()]) }
}
