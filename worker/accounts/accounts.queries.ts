import { and, asc, count, desc, eq, type SQL, sql } from 'drizzle-orm'

import type { Database } from '../db/client'
import type { Entity } from './accounts.fields'
import { accountContacts, accounts, accountUsers } from './accounts.schema'
import { type RowColumns, toWireRecord } from './accounts.rows'

/** Records per page of the Account API lists, as in Natero. */
export const MAX_PAGE_SIZE = 1000

const tables = {
  accounts,
  account_users: accountUsers,
  account_contacts: accountContacts,
}

/** Identifies one record: an account by account_id; a user or contact by user_id, and account_id
 * when the same user_id exists under several accounts. */
export interface RecordKey {
  accountId?: string
  userId?: string
}

/** Options of a wire-format list. `orderBy` is one of `orderColumns[entity]`. */
export interface ListOptions {
  page: number
  orderBy: string
  direction: 'asc' | 'desc'
  includeInactive: boolean
  /** Only the users or contacts of this account. */
  accountId?: string
}

function columnsOf(entity: Entity) {
  const table = tables[entity]
  const common = {
    accountId: table.accountId,
    isActive: table.isActive,
    data: table.data,
    createdAt: table.createdAt,
    updatedAt: table.updatedAt,
  }
  if (entity === 'accounts') {
    return { ...common, name: accounts.name, joinDate: accounts.joinDate }
  }
  return { ...common, userId: (table as typeof accountUsers).userId }
}

function keyFilter(entity: Entity, orgId: string, key: RecordKey): SQL | undefined {
  const table = tables[entity]
  const conditions = [eq(table.orgId, orgId)]
  if (key.accountId !== undefined) conditions.push(eq(table.accountId, key.accountId))
  if (entity !== 'accounts' && key.userId !== undefined) {
    conditions.push(eq((table as typeof accountUsers).userId, key.userId))
  }
  return and(...conditions)
}

/** Lists one page of an entity's records in wire shape. */
export async function listRecords(
  db: Database,
  orgId: string,
  entity: Entity,
  options: ListOptions,
): Promise<Record<string, unknown>[]> {
  const table = tables[entity]
  const columns = columnsOf(entity)
  const filters = [keyFilter(entity, orgId, { accountId: options.accountId })]
  if (!options.includeInactive) filters.push(eq(table.isActive, true))

  const order = options.direction === 'desc' ? desc : asc
  const sortColumn = columns[camelCase(options.orderBy) as keyof typeof columns] ?? table.accountId
  const tieBreak = 'userId' in columns ? [columns.userId, table.accountId] : [table.accountId]

  const rows = await db
    .select(columns)
    .from(table)
    .where(and(...filters))
    .orderBy(order(sortColumn), ...tieBreak.map((column) => order(column)))
    .limit(MAX_PAGE_SIZE)
    .offset(options.page * MAX_PAGE_SIZE)
  return rows.map((row) => toWireRecord(row as RowColumns))
}

function camelCase(column: string): string {
  return column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())
}

/** Returns the records matching `key`, active or not: at most one for an account. */
export async function findRecords(
  db: Database,
  orgId: string,
  entity: Entity,
  key: RecordKey,
): Promise<Record<string, unknown>[]> {
  const rows = await db
    .select(columnsOf(entity))
    .from(tables[entity])
    .where(keyFilter(entity, orgId, key))
    .limit(MAX_PAGE_SIZE)
  return rows.map((row) => toWireRecord(row as RowColumns))
}

/** Sets `is_active` to false on the records matching `key` and returns how many matched. */
export async function deactivateRecords(
  db: Database,
  orgId: string,
  entity: Entity,
  key: RecordKey,
): Promise<number> {
  const table = tables[entity]
  const result = await db
    .update(table)
    .set({ isActive: false, updatedAt: Date.now() })
    .where(keyFilter(entity, orgId, key))
  return result.meta.changes
}

/** Options of the console's account list. Pages start at 0. */
export interface ConsoleListOptions {
  search?: string
  page: number
  pageSize: number
  includeInactive?: boolean
}

/**
 * Lists accounts for the console, searching account_id and name. SQLite's lower() folds only
 * ASCII letters, so the search ignores case for those alone.
 */
export async function listForConsole(db: Database, orgId: string, options: ConsoleListOptions) {
  const filters = [eq(accounts.orgId, orgId)]
  if (!options.includeInactive) filters.push(eq(accounts.isActive, true))
  const search = options.search?.trim()
  if (search) {
    // instr rather than LIKE: D1 limits LIKE patterns to 50 bytes and needs no escaping here.
    filters.push(
      sql`(instr(lower(${accounts.accountId}), lower(${search})) > 0 OR instr(lower(${accounts.name}), lower(${search})) > 0)`,
    )
  }
  const where = and(...filters)

  const rows = await db
    .select({
      accountId: accounts.accountId,
      name: accounts.name,
      joinDate: accounts.joinDate,
      isActive: accounts.isActive,
      updatedAt: accounts.updatedAt,
    })
    .from(accounts)
    .where(where)
    .orderBy(asc(accounts.name), asc(accounts.accountId))
    .limit(options.pageSize)
    .offset(options.page * options.pageSize)
  const [totals] = await db.select({ total: count() }).from(accounts).where(where)
  return { rows, total: totals?.total ?? 0 }
}

/** Returns an account in wire shape with its users and contacts (first page of each), or null. */
export async function getAccountDetail(db: Database, orgId: string, accountId: string) {
  const [account] = await findRecords(db, orgId, 'accounts', { accountId })
  if (!account) return null
  const [users, contacts] = await Promise.all([
    findRecords(db, orgId, 'account_users', { accountId }),
    findRecords(db, orgId, 'account_contacts', { accountId }),
  ])
  return { account, users, contacts }
}
