import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

import { orgs, users } from '../orgs/orgs.schema'

/**
 * Event sources: one stream of usage events. The send key (Natero's `apiKey`) is public and names
 * the stream; the auth keys that authenticate uploads live in `event_source_keys`.
 */
export const eventSources = sqliteTable(
  'event_sources',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    name: text('name').notNull(),
    sendKey: text('send_key').notNull(),
    createdBy: text('created_by').references(() => users.id),
    createdAt: integer('created_at').notNull(),
  },
  (table) => [
    uniqueIndex('event_sources_send_key_unique').on(table.sendKey),
    index('event_sources_org_idx').on(table.orgId),
  ],
)

/** Auth keys of event sources. Only the SHA-256 is stored; the whole key is shown once. */
export const eventSourceKeys = sqliteTable(
  'event_source_keys',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    sourceId: text('source_id')
      .notNull()
      .references(() => eventSources.id),
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    lastFour: text('last_four').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    /** Set when the key is rolled: the old key keeps working until this time (epoch ms). */
    expiresAt: integer('expires_at'),
    revokedAt: integer('revoked_at'),
    /** The key that replaced this one when it was rolled. */
    replacedBy: text('replaced_by'),
  },
  (table) => [
    uniqueIndex('event_source_keys_hash_unique').on(table.keyHash),
    index('event_source_keys_source_idx').on(table.orgId, table.sourceId),
  ],
)

/**
 * Stored usage events. `event_id` is the SHA-256 of the source id and the event's JSON, so a
 * redelivered or resent event hits the primary key and is ignored.
 */
export const events = sqliteTable(
  'events',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    eventId: text('event_id').notNull(),
    sourceId: text('source_id').notNull(),
    accountId: text('account_id').notNull(),
    userId: text('user_id').notNull(),
    /** When the event happened, epoch ms, as the sender reported it. */
    createdAt: integer('created_at').notNull(),
    sessionId: text('session_id').notNull(),
    action: text('action').notNull(),
    feature: text('feature'),
    module: text('module'),
    product: text('product'),
    /** The whole event as sent, for fields that have no column. */
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    receivedAt: integer('received_at').notNull(),
    /**
     * Random token of the queue delivery that inserted the row. The rollup statements that run in
     * the same D1 batch select the rows carrying it, so only newly inserted events are counted.
     */
    batchId: text('batch_id').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orgId, table.eventId] }),
    index('events_session_time_idx').on(
      table.orgId,
      table.accountId,
      table.userId,
      table.sessionId,
      table.createdAt,
    ),
    index('events_batch_idx').on(table.orgId, table.batchId),
  ],
)

/**
 * Columns shared by the hourly and daily rollups. A row with `user_id = '*'` sums every user of
 * the account; a row with `feature = ''` and `module = ''` counts all events of its user or account.
 */
function rollupColumns() {
  return {
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    accountId: text('account_id').notNull(),
    userId: text('user_id').notNull(),
    /** Start of the UTC hour or day, epoch ms. */
    bucketStart: integer('bucket_start').notNull(),
    feature: text('feature').notNull(),
    module: text('module').notNull(),
    eventCount: integer('event_count').notNull(),
    /** Distinct users with events in the bucket; 1 on per-user rows. */
    activeUsers: integer('active_users').notNull(),
    /** Time between consecutive events of a session when the gap is at most 30 minutes. */
    sessionMs: integer('session_ms').notNull(),
  }
}

/** Usage per UTC hour. */
export const usageHourly = sqliteTable('usage_hourly', rollupColumns(), (table) => [
  primaryKey({
    columns: [
      table.orgId,
      table.accountId,
      table.userId,
      table.bucketStart,
      table.feature,
      table.module,
    ],
  }),
  // Account rows are rebuilt per (account, bucket): without this index that read covers every
  // user and bucket of the account's history.
  index('usage_hourly_account_bucket_idx').on(table.orgId, table.accountId, table.bucketStart),
])

/** Usage per UTC day, summed from `usage_hourly`. */
export const usageDaily = sqliteTable('usage_daily', rollupColumns(), (table) => [
  primaryKey({
    columns: [
      table.orgId,
      table.accountId,
      table.userId,
      table.bucketStart,
      table.feature,
      table.module,
    ],
  }),
  index('usage_daily_org_day_idx').on(table.orgId, table.bucketStart),
  index('usage_daily_account_bucket_idx').on(table.orgId, table.accountId, table.bucketStart),
])
