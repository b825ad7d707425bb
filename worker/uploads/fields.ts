import {
  entityFields,
  upsertRecords,
  type Entity,
  type FieldSpec,
} from '../accounts/accounts.service'

export { upsertRecords }

/** A field as uploads use it: the Account API's field spec. */
export type UploadFieldSpec = FieldSpec

const scalarTypes = new Set(['string', 'number', 'integer', 'boolean'])

/**
 * Returns the fields one CSV cell can fill, from the schema the Account API validates with. List
 * fields such as `assigned_csms` are left out, and custom dimensions use the
 * `custom_label_dimensions.<name>` column convention instead.
 */
export function uploadFields(entity: Entity): UploadFieldSpec[] {
  return entityFields(entity).filter((field) => scalarTypes.has(field.type))
}

/** The id field that names a record of `entity` in messages and failed-row files. */
export function idFieldOf(entity: Entity): 'account_id' | 'user_id' {
  return entity === 'accounts' ? 'account_id' : 'user_id'
}

/** Fields whose column must exist, because no row can be matched to a record without them. */
export function keyFieldsOf(entity: Entity): string[] {
  return entity === 'accounts' ? ['account_id'] : ['account_id', 'user_id']
}
