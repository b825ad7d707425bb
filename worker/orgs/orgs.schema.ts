import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** Tenants. Every other row carries the `org_id` of the org that owns it. */
export const orgs = sqliteTable('orgs', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** Local part of the org's inbound Bcc address; random so it cannot be guessed. */
  bccToken: text('bcc_token').notNull().unique(),
  createdAt: integer('created_at').notNull(),
})

export const roles = ['admin', 'data_manager', 'viewer'] as const
export type Role = (typeof roles)[number]

/** Console users. Each belongs to one org; email is unique across orgs because it names the sign-in. */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: roles }).notNull(),
    /** PHC-style string, see worker/auth/password.ts. */
    passwordHash: text('password_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    disabledAt: integer('disabled_at'),
  },
  (table) => [
    uniqueIndex('users_email_unique').on(table.email),
    index('users_org_idx').on(table.orgId),
  ],
)
