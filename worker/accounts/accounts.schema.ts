import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

import { orgs } from '../orgs/orgs.schema'

/**
 * Accounts as the Account API writes them. Fields that are filtered or sorted on get columns; the
 * rest of the record (optional scalars, custom dimensions, lists) is JSON in `data`, which keeps a
 * row's bound parameters few enough for D1's limit of 100 per statement.
 */
export const accounts = sqliteTable(
  'accounts',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    accountId: text('account_id').notNull(),
    name: text('name').notNull(),
    joinDate: integer('join_date').notNull(),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orgId, table.accountId] }),
    index('accounts_org_name_idx').on(table.orgId, table.name),
  ],
)

/** Product users of an account (`/api/v2/account_users`). A user id may appear under several accounts. */
export const accountUsers = sqliteTable(
  'account_users',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    accountId: text('account_id').notNull(),
    userId: text('user_id').notNull(),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orgId, table.userId, table.accountId] }),
    index('account_users_account_idx').on(table.orgId, table.accountId),
  ],
)

/** CRM contacts of an account (`/api/v2/account_contacts`). */
export const accountContacts = sqliteTable(
  'account_contacts',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    accountId: text('account_id').notNull(),
    userId: text('user_id').notNull(),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orgId, table.userId, table.accountId] }),
    index('account_contacts_account_idx').on(table.orgId, table.accountId),
  ],
)

export const dimensionKinds = ['label', 'value', 'event'] as const

/** Custom dimension names, registered the first time a record carries them. */
export const customDimensions = sqliteTable(
  'custom_dimensions',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    entity: text('entity', { enum: ['accounts', 'account_users', 'account_contacts'] }).notNull(),
    kind: text('kind', { enum: dimensionKinds }).notNull(),
    key: text('key').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.orgId, table.entity, table.kind, table.key] })],
)
