import type { Entity } from './accounts.fields'
import type { StoredRow } from './accounts.store'
import type { ValidRecord } from './accounts.validate'

/**
 * Conversion between the wire shape of a record and its stored row. Custom dimensions travel as
 * `[{key, value}]` but are stored as `{key: value}` objects, so that `json_patch` merges them per key
 * and a null value deletes one key.
 */

/** The custom dimension list fields and the kind each registers in `custom_dimensions`. */
export const dimensionFields = {
  custom_label_dimensions: 'label',
  custom_value_dimensions: 'value',
  custom_event_dimensions: 'event',
} as const

type DimensionField = keyof typeof dimensionFields

const columnFields = new Set(['account_id', 'user_id', 'name', 'join_date', 'is_active'])

/**
 * Builds the row to write from a validated record. For a record that does not exist yet, null
 * members are dropped (there is nothing to delete) and the account starts active.
 */
export function toStoredRow(entity: Entity, record: ValidRecord, exists: boolean): StoredRow {
  const data: Record<string, unknown> = {}
  const dimensions: StoredRow['dimensions'] = []

  for (const [field, value] of Object.entries(record)) {
    if (columnFields.has(field) || value === undefined) continue
    if (field in dimensionFields) {
      const entries = value as { key: string; value: unknown }[]
      const merged: Record<string, unknown> = {}
      for (const entry of entries) {
        merged[entry.key] = entry.value
        if (entry.value !== null) {
          dimensions.push({ kind: dimensionFields[field as DimensionField], key: entry.key })
        }
      }
      data[field] = exists ? merged : withoutNulls(merged)
    } else if (value !== null || exists) {
      data[field] = value
    }
  }

  const isActive = typeof record.is_active === 'boolean' ? record.is_active : null
  return {
    accountId: record.account_id,
    userId: entity === 'accounts' ? null : (record.user_id ?? null),
    name: typeof record.name === 'string' ? record.name : null,
    joinDate: typeof record.join_date === 'number' ? record.join_date : null,
    isActive: exists ? isActive : (isActive ?? true),
    data,
    dimensions,
  }
}

function withoutNulls(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null))
}

/** Stored columns of any of the three tables, as drizzle returns them. */
export interface RowColumns {
  accountId: string
  userId?: string
  name?: string
  joinDate?: number
  isActive: boolean
  data: Record<string, unknown>
}

/** Returns the record in wire shape, with dimensions back as `[{key, value}]` lists. */
export function toWireRecord(row: RowColumns): Record<string, unknown> {
  const record: Record<string, unknown> = {}
  if (row.userId !== undefined) record.user_id = row.userId
  record.account_id = row.accountId
  if (row.name !== undefined) record.name = row.name
  if (row.joinDate !== undefined) record.join_date = row.joinDate
  record.is_active = row.isActive

  for (const [field, value] of Object.entries(row.data)) {
    if (field in dimensionFields) {
      record[field] = Object.entries(value as Record<string, unknown>).map(([key, item]) => ({
        key,
        value: item,
      }))
    } else {
      record[field] = value
    }
  }
  return record
}
