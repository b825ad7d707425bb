import {
  entityFields,
  upsertRecords,
  type Entity,
  type FailedRecord,
  type FieldSpec,
} from './accounts-placeholder'

export { upsertRecords, type FailedRecord }

/** A field as uploads use it: the Account API's field spec. */
export type UploadFieldSpec = FieldSpec

/** Returns the fields an upload for `entity` can fill, from the schema the Account API validates. */
export function uploadFields(entity: Entity): UploadFieldSpec[] {
  return entityFields(entity)
}

/** The id field that names a record of `entity` in messages and failed-row files. */
export function idFieldOf(entity: Entity): 'account_id' | 'user_id' {
  return entity === 'accounts' ? 'account_id' : 'user_id'
}
