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

type CellKind = 'date' | 'number' | 'integer' | 'boolean' | 'object' | 'string'

/** One mapped column, with what its cells convert to and where the value goes. */
interface ColumnStep {
  index: number
  column: string
  target: string
  kind: CellKind
  /** The dimension list the value goes in, or null for a plain field. */
  dimension: string | null
  /** The dimension key, or the field name. */
  key: string
}

/** A plan resolved once per chunk, so each row skips the field and mapping look-ups. */
interface CompiledPlan {
  idIndex: number
  steps: ColumnStep[]
}

const compiled = new WeakMap<RowPlan, CompiledPlan>()

function cellKind(target: string, plan: RowPlan): CellKind {
  if (isDateTarget(target, plan.fields)) return 'date'
  const [prefix] = splitDimension(target)
  if (prefix === 'custom_value_dimensions') return 'number'
  const type = plan.fields.find((candidate) => candidate.name === target)?.type
  const typed: (string | undefined)[] = ['number', 'integer', 'boolean', 'object']
  return typed.includes(type) ? (type as CellKind) : 'string'
}

function compile(plan: RowPlan): CompiledPlan {
  let found = compiled.get(plan)
  if (found) return found
  const steps: ColumnStep[] = []
  plan.header.forEach((column, index) => {
    const target = plan.mapping[column]
    if (target === undefined) return
    const [dimension, key] = splitDimension(target)
    steps.push({ index, column, target, kind: cellKind(target, plan), dimension, key })
  })
  const idIndex = plan.header.findIndex((column) => plan.mapping[column] === plan.idField)
  found = { idIndex, steps }
  compiled.set(plan, found)
  return found
}

/** Reads a cell that contains a JSON object, such as an event's `details`. */
function parseObjectCell(target: string, value: string): Converted {
  const fix = `write it as a JSON object, such as {"plan": "pro"}`
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return { ok: false, message: `${target}: "${clipCell(value)}" is not valid JSON: ${fix}.` }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, message: `${target}: "${clipCell(value)}" is not a JSON object: ${fix}.` }
  }
  return { ok: true, value: parsed }
}

/** Returns the start of a cell for a message, because a cell can be megabytes long. */
function clipCell(value: string): string {
  return value.length <= 80 ? value : `${value.slice(0, 79)}…`
}

function convertCell(step: ColumnStep, value: string, plan: RowPlan): Converted {
  const { kind, target } = step
  if (kind === 'date') return parseDateCell(value, plan.dateFormat)
  if (kind === 'number' || kind === 'integer') {
    const number = Number(value.trim().replace(/,/g, ''))
    if (value.trim() === '' || !Number.isFinite(number)) {
      return { ok: false, message: `${target}: "${value}" is not a number.` }
    }
    if (kind === 'integer' && !Number.isInteger(number)) {
      return { ok: false, message: `${target}: "${value}" is not a whole number.` }
    }
    return { ok: true, value: number }
  }
  if (kind === 'object') return parseObjectCell(target, value)
  if (kind === 'boolean') {
    const lower = value.trim().toLowerCase()
    if (['true', '1', 'yes'].includes(lower)) return { ok: true, value: true }
    if (['false', '0', 'no'].includes(lower)) return { ok: true, value: false }
    return { ok: false, message: `${target}: "${value}" is not true or false.` }
  }
  return { ok: true, value }
}

function placeValue(record: Record<string, unknown>, step: ColumnStep, value: unknown): void {
  if (step.dimension === null) {
    record[step.target] = value
    return
  }
  const list = (record[step.dimension] ??= []) as { key: string; value: unknown }[]
  list.push({ key: step.key, value })
}

/**
 * Converts one CSV row to an API record by the plan's mapping. Empty cells are left out, so an
 * upload never blanks a stored value. A row fails whole, naming every bad cell, when its field
 * count differs from the header's or any mapped cell cannot be converted.
 */
export function rowToRecord(cells: string[], plan: RowPlan): RowResult {
  const { idIndex, steps } = compile(plan)
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
  for (const step of steps) {
    const value = cells[step.index] ?? ''
    if (value.trim() === '') continue
    if (value.length > MAX_CELL_CHARS) {
      problems.push(
        `${step.column}: ${value.length} characters, more than the ${MAX_CELL_CHARS} allowed per cell.`,
      )
      continue
    }
    const converted = convertCell(step, value, plan)
    if (converted.ok) placeValue(record, step, converted.value)
    else problems.push(converted.message)
  }

  if (problems.length > 0) return { ok: false, id, message: problems.join(' ') }
  return { ok: true, record, id }
}
