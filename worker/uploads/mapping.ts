import type { UploadFieldSpec } from './fields'

/** Prefixes of template columns that carry custom dimensions, e.g. `custom_label_dimensions.tier`. */
export const dimensionPrefixes = {
  custom_label_dimensions: 'text',
  custom_value_dimensions: 'number',
  custom_event_dimensions: 'date',
} as const

/** Header names seen in exports from other systems, keyed by the field they usually hold. */
const synonyms: Record<string, string[]> = {
  account_id: ['accountid', 'organizationid', 'orgid', 'companyid', 'customerid', 'id'],
  user_id: ['userid', 'contactid', 'personid'],
  name: ['name', 'accountname', 'organizationname', 'companyname', 'customername', 'fullname'],
  join_date: ['joindate', 'founded', 'createdat', 'created', 'signupdate', 'startdate', 'since'],
  renewal_date: ['renewaldate', 'renewal', 'contractend'],
  website: ['website', 'url', 'homepage', 'domain'],
  billing_country: ['country', 'billingcountry'],
  billing_city: ['city', 'billingcity'],
  employees: ['employees', 'numberofemployees', 'employeecount', 'headcount'],
  industry: ['industry', 'sector'],
  description: ['description', 'about'],
  email: ['email', 'emailaddress', 'mail'],
  phone: ['phone', 'phonenumber', 'telephone'],
}

const leftOutNames = new Set(['index', 'row', 'rownumber', '#', ''])

function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9#]/g, '')
}

function snakeCase(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
}

/**
 * True when `target` names a field of the entity or, when the entity takes them, a custom
 * dimension column.
 */
export function isKnownTarget(
  target: string,
  fields: UploadFieldSpec[],
  dimensions = true,
): boolean {
  if (fields.some((field) => field.name === target)) return true
  if (!dimensions) return false
  const [prefix, key] = splitDimension(target)
  return prefix !== null && key !== ''
}

/** Splits `custom_label_dimensions.tier` into its prefix and key; prefix is null for other names. */
export function splitDimension(target: string): [keyof typeof dimensionPrefixes | null, string] {
  const dot = target.indexOf('.')
  if (dot < 0) return [null, target]
  const prefix = target.slice(0, dot)
  if (!(prefix in dimensionPrefixes)) return [null, target]
  return [prefix as keyof typeof dimensionPrefixes, target.slice(dot + 1)]
}

/** A suggested target for one file column, with the reason shown beside it. */
export interface MappingSuggestion {
  column: string
  /** Field name, dimension column, or null to leave the column out. */
  target: string | null
  reason: string
  /** True for a guessed custom dimension, which the user should confirm or leave out. */
  unconfirmed?: boolean
}

/** Name of the column our failed-rows file adds; a re-upload leaves it out. */
export const ERROR_COLUMN = 'error'

function looksNumeric(values: string[]): boolean {
  const present = values.filter((value) => value.trim() !== '')
  return present.length > 0 && present.every((value) => Number.isFinite(Number(value)))
}

function suggestOne(
  column: string,
  values: string[],
  fields: UploadFieldSpec[],
  dimensions: boolean,
): MappingSuggestion {
  if (isKnownTarget(column, fields, dimensions)) {
    return { column, target: column, reason: 'The column name is a template column.' }
  }
  const normalized = normalize(column)
  if (normalized === ERROR_COLUMN) {
    return { column, target: null, reason: 'The error column of a failed-rows file.' }
  }
  const fieldNames = new Set(fields.map((field) => field.name))
  for (const [target, names] of Object.entries(synonyms)) {
    if (
      fieldNames.has(target) &&
      (names.includes(normalized) || normalize(target) === normalized)
    ) {
      return { column, target, reason: `"${column}" usually holds ${target}.` }
    }
  }
  if (leftOutNames.has(normalized)) {
    return { column, target: null, reason: 'A row counter; nothing to store.' }
  }
  if (!dimensions) {
    return { column, target: null, reason: 'Not a field of this API, so it is left out.' }
  }
  const key = snakeCase(column)
  if (looksNumeric(values)) {
    return {
      column,
      target: `custom_value_dimensions.${key}`,
      reason: 'Not a field. Sample values are numbers, so a number dimension unless left out.',
      unconfirmed: true,
    }
  }
  return {
    column,
    target: `custom_label_dimensions.${key}`,
    reason: 'Not a field, so a text dimension unless left out.',
    unconfirmed: true,
  }
}

/**
 * Suggests a target for each column from its name and sample values. Template columns map to
 * themselves, common export names map to the field they hold, row counters are left out and any
 * other column becomes a custom dimension, or is left out when `dimensions` is false. A target is
 * suggested for at most one column.
 */
export function suggestMapping(
  header: string[],
  sampleRows: string[][],
  fields: UploadFieldSpec[],
  dimensions = true,
): MappingSuggestion[] {
  const taken = new Set<string>()
  return header.map((column, index) => {
    const values = sampleRows.map((row) => row[index] ?? '')
    const suggestion = suggestOne(column, values, fields, dimensions)
    if (suggestion.target !== null && taken.has(suggestion.target)) {
      return { column, target: null, reason: `${suggestion.target} is already mapped.` }
    }
    if (suggestion.target !== null) taken.add(suggestion.target)
    return suggestion
  })
}

/** Turns suggestions into the stored mapping shape: column → target, leaving out null targets. */
export function mappingFromSuggestions(suggestions: MappingSuggestion[]): Record<string, string> {
  const mapping: Record<string, string> = {}
  for (const suggestion of suggestions) {
    if (suggestion.target !== null) mapping[suggestion.column] = suggestion.target
  }
  return mapping
}
