import {
  entityFields,
  upsertRecords,
  type Entity,
  type FieldSpec,
} from '../accounts/accounts.service'
import { eventFields } from '../events/events.fields'
import type { UploadEntity } from './uploads.schema'

export { upsertRecords }

/**
 * A field as uploads use it: the Account API's or Event API's field spec. `key` marks fields
 * whose column must exist, because without it every row would fail.
 */
export type UploadFieldSpec = FieldSpec & { key?: boolean }

const scalarTypes = new Set(['string', 'number', 'integer', 'boolean'])

/**
 * Returns the fields one CSV cell can fill, from the schema the API validates with. List fields
 * such as `assigned_csms` are left out, and so are Account API object fields: account records
 * carry custom dimensions in `custom_label_dimensions.<name>` columns instead. An event's
 * `details` object is written in its cell as JSON.
 */
export function uploadFields(entity: UploadEntity): UploadFieldSpec[] {
  const keys = new Set(keyFieldsOf(entity))
  const fields: FieldSpec[] = entity === 'events' ? eventFields() : entityFields(entity)
  const cellTypes = entity === 'events' ? new Set([...scalarTypes, 'object']) : scalarTypes
  return fields
    .filter((field) => cellTypes.has(field.type))
    .map((field) => ({ ...field, key: keys.has(field.name) }))
}

/** Returns the id field that names a record of `entity` in messages and failed-row files. */
export function idFieldOf(entity: UploadEntity): 'account_id' | 'user_id' {
  return entity === 'accounts' ? 'account_id' : 'user_id'
}

/**
 * Returns the fields whose column must exist. Account records need their ids to be matched. An
 * event has no stored record to update, so every field it requires is a key.
 */
export function keyFieldsOf(entity: UploadEntity): string[] {
  if (entity === 'events') {
    return eventFields()
      .filter((field) => field.required)
      .map((field) => field.name)
  }
  return entity === 'accounts' ? ['account_id'] : ['account_id', 'user_id']
}

/** Returns true when rows of `entity` take `custom_*_dimensions.<name>` columns. Events take none. */
export function takesDimensions(entity: UploadEntity): boolean {
  return entity !== 'events'
}

/** Returns the Account API entity an upload writes through, or null for events. */
export function accountEntityOf(entity: UploadEntity): Entity | null {
  return entity === 'events' ? null : entity
}
