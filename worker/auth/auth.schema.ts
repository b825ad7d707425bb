import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

import { orgs, users } from '../orgs/orgs.schema'

/** Console sessions. `id` is the SHA-256 of the cookie token, so a database leak yields no usable token. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    /** Token the console echoes in a header on every mutation (double-submit CSRF check). */
    csrfToken: text('csrf_token').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (table) => [index('sessions_user_idx').on(table.userId)],
)

/** Failed sign-in counters, one row per throttle key (`email:<address>` or `ip:<address>`). */
export const signInThrottles = sqliteTable('sign_in_throttles', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  windowStartedAt: integer('window_started_at').notNull(),
  lockedUntil: integer('locked_until'),
})
