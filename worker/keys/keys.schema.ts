import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

import { orgs, users } from '../orgs/orgs.schema'

/** Account API keys. Only the SHA-256 of the key is stored; the whole key is shown once at creation. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    label: text('label').notNull(),
    /** First characters of the key, shown in lists so people can tell keys apart. */
    prefix: text('prefix').notNull(),
    lastFour: text('last_four').notNull(),
    keyHash: text('key_hash').notNull(),
    createdBy: text('created_by').references(() => users.id),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    /** Set when the key is rolled: the old key keeps working until this time. */
    expiresAt: integer('expires_at'),
    revokedAt: integer('revoked_at'),
    /** The key that replaced this one when it was rolled. */
    replacedBy: text('replaced_by'),
  },
  (table) => [
    uniqueIndex('api_keys_hash_unique').on(table.keyHash),
    index('api_keys_org_idx').on(table.orgId),
  ],
)
