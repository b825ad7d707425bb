import { MAX_CELL_CHARS } from './csv'
import { parseDateCell } from './dates'
import type { UploadFieldSpec } from './fields'
import { splitDimension } from './mapping'
import { isDateTarget } from './preflight-checks'
import type { DateFormat } from './uploads.schema'

/** How to turn a file's rows into API records. */
export interface RowPlan {
  header: string[]
  mapping: Record<string, string>
  fields: UploadFieldSpec[]
  dateFormat: DateFormat | undefined
  idField: string
}

/** A row turned into a record, or the reason it could not be. */
export type RowResult =
  | { ok: true; record: Record<string, unknown>; id: string | null }
  | { ok: false; message: string; id: string | null }

type Converted = { ok: true; value: unknown } | { ok: false; message: string }

function convertCell(target: string, value: string, plan: RowPlan): Converted {
  if (isDateTarget(target, plan.fields)) return parseDateCell(value, plan.dateFormat)

  const [prefix] = splitDimension(target)
  const field = plan.fields.find((candidate) => candidate.name === target)
  const type = prefix === 'custom_value_dimensions' ? 'number' : (field?.type ?? 'string')

  if (type === 'number' || type === 'integer') {
    const number = Number(value.trim().replace(/,/g, ''))
    if (value.trim() === '' || !Number.isFinite(number)) {
      return { ok: false, message: `${target}: "${value}" is not a number.` }
    }
    if (type === 'integer' && !Number.isInteger(number)) {
      return { ok: false, message: `${target}: "${value}" is not a whole number.` }
    }
    return { ok: true, value: number }
  }
  if (type === 'boolean') {
    const lower = value.trim().toLowerCase()
    if (['true', '1', 'yes'].includes(lower)) return { ok: true, value: true }
    if (['false', '0', 'no'].includes(lower)) return { ok: true, value: false }
    return { ok: false, message: `${target}: "${value}" is not true or false.` }
  }
  return { ok: true, value }
}

function placeValue(record: Record<string, unknown>, target: string, value: unknown): void {
  const [prefix, key] = splitDimension(target)
  if (prefix === null) {
    record[target] = value
    return
  }
  const list = (record[prefix] ??= []) as { key: string; value: unknown }[]
  list.push({ key, value })
}

/**
 * Converts one CSV row to an API record by the plan's mapping. Empty cells are left out, so an
 * upload never blanks a stored value. A row fails whole, naming every bad cell, when its field
 * count differs from the header's or any mapped cell cannot be converted.
 */
export function rowToRecord(cells: string[], plan: RowPlan): RowResult {
  const idIndex = plan.header.findIndex((column) => plan.mapping[column] === plan.idField)
  const id = idIndex >= 0 ? (cells[idIndex]?.trim() ?? null) || null : null
  if (cells.length !== plan.header.length) {
    return {
      ok: false,
      id,
      message: `Row has ${cells.length} fields but the header has ${plan.header.length}: check for a missing quote or an extra delimiter.`,
    }
  }

  const record: Record<string, unknown> = {}
  const problems: string[] = []
  plan.header.forEach((column, index) => {
    const target = plan.mapping[column]
    const value = cells[index] ?? ''
    if (target === undefined || value.trim() === '') return
    if (value.length > MAX_CELL_CHARS) {
      problems.push(
        `${column}: ${value.length} characters, more than the ${MAX_CELL_CHARS} allowed per cell.`,
      )
      return
    }
    const converted = convertCell(target, value, plan)
    if (converted.ok) placeValue(record, target, converted.value)
    else problems.push(converted.message)
  })

  if (problems.length > 0) return { ok: false, id, message: problems.join(' ') }
  return { ok: true, record, id }
}
