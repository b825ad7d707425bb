import { and, desc, eq, gte, ne, or, sql } from 'drizzle-orm'

import { accounts } from '../accounts/accounts.schema'
import type { Database } from '../db/client'
import { usageDaily } from './events.schema'
import { DAY_MS } from './usage.rollup'

/** One UTC day of an account's usage. */
export interface UsageDay {
  /** Start of the UTC day, epoch ms. */
  day: number
  activeUsers: number
  events: number
  sessionSeconds: number
}

/** A feature or module of an account, ranked by events. */
export interface FeatureUsage {
  feature: string
  module: string
  events: number
  users: number
}

/** An account's usage over the last `days` UTC days, read from the daily rollup. */
export interface AccountUsage {
  accountId: string
  /** False when events name an account the Account API has never written. */
  accountKnown: boolean
  days: UsageDay[]
  topFeatures: FeatureUsage[]
}

function firstDay(days: number): number {
  const now = Date.now()
  return now - (now % DAY_MS) - (days - 1) * DAY_MS
}

/** Reads an account's per-day totals and its top 10 features from the daily rollup. */
export async function accountUsage(
  db: Database,
  orgId: string,
  accountId: string,
  days: number,
): Promise<AccountUsage> {
  const scope = and(
    eq(usageDaily.orgId, orgId),
    eq(usageDaily.accountId, accountId),
    eq(usageDaily.userId, '*'),
    gte(usageDaily.bucketStart, firstDay(days)),
  )
  const totals = await db
    .select()
    .from(usageDaily)
    .where(and(scope, eq(usageDaily.feature, ''), eq(usageDaily.module, '')))
    .orderBy(usageDaily.bucketStart)
  const features = await db
    .select({
      feature: usageDaily.feature,
      module: usageDaily.module,
      events: sql<number>`sum(${usageDaily.eventCount})`,
      users: sql<number>`max(${usageDaily.activeUsers})`,
    })
    .from(usageDaily)
    .where(and(scope, or(ne(usageDaily.feature, ''), ne(usageDaily.module, ''))))
    .groupBy(usageDaily.feature, usageDaily.module)
    .orderBy(desc(sql`sum(${usageDaily.eventCount})`))
    .limit(10)
  const [known] = await db
    .select({ accountId: accounts.accountId })
    .from(accounts)
    .where(and(eq(accounts.orgId, orgId), eq(accounts.accountId, accountId)))

  return {
    accountId,
    accountKnown: known !== undefined,
    days: totals.map((row) => ({
      day: row.bucketStart,
      activeUsers: row.activeUsers,
      events: row.eventCount,
      sessionSeconds: Math.round(row.sessionMs / 1000),
    })),
    topFeatures: features,
  }
}

/**
 * Lists account ids that received events in the last `days` UTC days but have no account record,
 * with their event counts. Their events are stored and counted; this is how they are reported.
 */
export async function unknownAccounts(
  db: Database,
  orgId: string,
  days: number,
): Promise<{ accountId: string; events: number }[]> {
  const rows = await db.all<{ accountId: string; events: number }>(sql`
    SELECT u.account_id AS accountId, sum(u.event_count) AS events
      FROM usage_daily u
     WHERE u.org_id = ${orgId} AND u.user_id = '*' AND u.feature = '' AND u.module = ''
       AND u.bucket_start >= ${firstDay(days)}
       AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.org_id = u.org_id AND a.account_id = u.account_id)
     GROUP BY u.account_id ORDER BY events DESC LIMIT 100`)
  return rows
}
