import type { z } from 'zod'

import { hasLoneSurrogate } from '../lib/utf8'
import { type Entity, insertRequired, readOnlyFields, recordSchemas } from './accounts.fields'

/** Entity names as Natero's messages spell them. */
const entityLabels: Record<Entity, string> = {
  accounts: 'Accounts',
  account_users: 'Account users',
  account_contacts: 'Account contacts',
}

/** Fields that may be left out when the record already exists (an update rather than an insert). */
const updateSchemas = {
  accounts: recordSchemas.accounts.partial({ name: true, join_date: true }),
  account_users: recordSchemas.account_users,
  account_contacts: recordSchemas.account_contacts,
}

/** A record that passed validation, still in wire shape. */
export type ValidRecord = Record<string, unknown> & { account_id: string; user_id?: string }

/** The validated record, or the message that goes into `failed_results`. */
export type ValidationResult = { ok: true; record: ValidRecord } | { ok: false; message: string }

/**
 * Validates one record against the entity's schema. Fields that only an insert needs (an account's
 * name and join_date) are checked later by `missingInsertFields`, once it is known whether the
 * record exists.
 */
export function validateRecord(entity: Entity, input: unknown): ValidationResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const kind = input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input
    return { ok: false, message: `Record must be a JSON object, got ${kind}.` }
  }

  const textProblem = findLoneSurrogate(input, [])
  if (textProblem) return { ok: false, message: textProblem }

  const result = updateSchemas[entity].safeParse(input, { reportInput: true })
  if (result.success) {
    const duplicate = duplicateDimensionKey(result.data as Record<string, unknown>)
    if (duplicate) return { ok: false, message: duplicate }
    return { ok: true, record: result.data as ValidRecord }
  }

  const missing: string[] = []
  const messages: string[] = []
  for (const issue of result.error.issues) {
    const field = issue.path.length === 1 ? String(issue.path[0]) : null
    if (issue.code === 'invalid_type' && issue.input === undefined && field) {
      missing.push(field)
    } else {
      messages.push(...describeIssue(entity, issue))
    }
  }
  if (missing.length > 0) messages.unshift(missingMessage(entity, missing))
  return { ok: false, message: messages.join(' ') }
}

/** Returns the Natero message for an insert that lacks required fields, or null when none is missing. */
export function missingInsertFields(
  entity: Entity,
  record: Record<string, unknown>,
): string | null {
  const missing = insertRequired[entity].filter((field) => record[field] === undefined)
  return missing.length > 0 ? missingMessage(entity, missing) : null
}

/** Names the first string (or key) holding an unpaired UTF-16 surrogate, which cannot be stored. */
function findLoneSurrogate(value: unknown, path: PropertyKey[]): string | null {
  if (typeof value === 'string') {
    if (!hasLoneSurrogate(value)) return null
    return `${formatPath(path) || 'The record'} contains an unpaired UTF-16 surrogate (such as "\\ud800" without its pair), which is not valid Unicode. Send valid text.`
  }
  if (typeof value !== 'object' || value === null) return null
  for (const [key, item] of Object.entries(value)) {
    const at = Array.isArray(value) ? [...path, Number(key)] : [...path, key]
    if (!Array.isArray(value) && hasLoneSurrogate(key)) {
      return `A field name in ${formatPath(path) || 'the record'} contains an unpaired UTF-16 surrogate, which is not valid Unicode. Send valid text.`
    }
    const found = findLoneSurrogate(item, at)
    if (found) return found
  }
  return null
}

/** Names a custom dimension key sent twice in one record, where the later would silently win. */
function duplicateDimensionKey(record: Record<string, unknown>): string | null {
  for (const field of ['custom_label_dimensions', 'custom_value_dimensions']) {
    const list = record[field]
    if (!Array.isArray(list)) continue
    const seen = new Set<string>()
    for (const item of list as { key: string }[]) {
      if (seen.has(item.key)) {
        return `${field} has the key '${item.key}' more than once: send each key once per record.`
      }
      seen.add(item.key)
    }
  }
  return null
}

function missingMessage(entity: Entity, fields: string[]): string {
  const quoted = fields.map((field) => `'${field}'`).join(', ')
  const required = insertRequired[entity].join(', ')
  return `Missing/invalid required field(s) for ${entityLabels[entity]} insert: ${quoted}. A new record needs ${required}.`
}

function describeIssue(entity: Entity, issue: z.core.$ZodIssue): string[] {
  const path = formatPath(issue.path)

  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => unknownKeyMessage(entity, issue.path, key))
  }
  if (issue.message.startsWith('string id') && typeof issue.input === 'number') {
    return [
      `${path} must be a string: send "${issue.input}" instead of ${issue.input}, because ids are matched as exact, case-sensitive strings.`,
    ]
  }
  if (typeof issue.input === 'number' && !Number.isFinite(issue.input)) {
    return [
      `${path} is out of range: the number is too large to store (the limit is about 1.8e308). Send a smaller number.`,
    ]
  }
  return [
    `Invalid type for property: ${path} (expecting ${issue.message}, got ${preview(issue.input)}).`,
  ]
}

function unknownKeyMessage(entity: Entity, parentPath: PropertyKey[], key: string): string {
  if (parentPath.length > 0) {
    return `Unknown field '${key}' in ${formatPath(parentPath)}: remove it.`
  }
  if (readOnlyFields[entity].includes(key)) {
    return `Field '${key}' is read-only and cannot be written: remove it from the record.`
  }
  const nearest = nearestFields(key, Object.keys(recordSchemas[entity].shape))
  return `Unknown field '${key}' for ${entityLabels[entity]}; nearest known fields: ${nearest.map((name) => `'${name}'`).join(', ')}.`
}

function formatPath(path: PropertyKey[]): string {
  let text = ''
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`
    else text += text === '' ? String(part) : `.${String(part)}`
  }
  return text
}

function preview(value: unknown): string {
  if (value === undefined) return 'nothing'
  const json = JSON.stringify(value) ?? String(value)
  return json.length > 40 ? `${json.slice(0, 40)}...` : json
}

/** Returns the three known names closest to `name` by edit distance, ties in schema order. */
export function nearestFields(name: string, known: readonly string[]): string[] {
  return known
    .map((candidate, order) => ({ candidate, order, distance: editDistance(name, candidate) }))
    .sort((a, b) => a.distance - b.distance || a.order - b.order)
    .slice(0, 3)
    .map(({ candidate }) => candidate)
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}
