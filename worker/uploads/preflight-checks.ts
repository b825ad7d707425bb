import { readSlashDate } from './dates'
import type { UploadFieldSpec } from './fields'
import { ERROR_COLUMN, isKnownTarget, splitDimension } from './mapping'
import type { Finding } from './preflight'
import type { DateFormat } from './uploads.schema'

const MAX_ROW_NUMBERS = 20

/** Key fields: without their column no row can be matched to a record. */
const keyFieldNames = new Set(['account_id', 'user_id'])

export function checkHeader(header: string[]): Finding[] {
  const findings: Finding[] = []
  const blank = header.flatMap((column, index) => (column.trim() === '' ? [index + 1] : []))
  if (blank.length > 0) {
    findings.push({
      level: 'error',
      code: 'blank_header',
      message: `Header column(s) ${blank.join(', ')} are blank: give every column a name.`,
    })
  }
  const seen = new Map<string, number>()
  header.forEach((column, index) => {
    const key = column.trim().toLowerCase()
    if (key === '') return
    const first = seen.get(key)
    if (first === undefined) {
      seen.set(key, index)
      return
    }
    findings.push({
      level: 'error',
      code: 'duplicate_header',
      message: `Columns ${first + 1} and ${index + 1} are both named "${column.trim()}": rename or remove one, since neither may silently win.`,
    })
  })
  return findings
}

/** Lists row numbers for a message: the first 20, then "and N more". */
export function listRows(rows: number[]): string {
  const shown = rows.slice(0, MAX_ROW_NUMBERS).join(', ')
  const more = rows.length > MAX_ROW_NUMBERS ? ` and ${rows.length - MAX_ROW_NUMBERS} more` : ''
  return `${rows.length === 1 ? 'Row' : 'Rows'} ${shown}${more}`
}

/** Reports data rows whose field count differs from the header's, by row number. */
export function checkFieldCounts(header: string[], rows: string[][]): Finding[] {
  const wrong = rows.flatMap((row, index) => (row.length === header.length ? [] : [index + 2]))
  if (wrong.length === 0) return []
  return [
    {
      level: 'warning',
      code: 'field_count',
      message: `${listRows(wrong)} ${wrong.length === 1 ? 'does' : 'do'} not have ${header.length} fields like the header, so ${wrong.length === 1 ? 'it fails' : 'they fail'} with the row number unless fixed.`,
      rows: wrong.slice(0, MAX_ROW_NUMBERS),
    },
  ]
}

const dimensionNames = {
  custom_label_dimensions: 'custom label dimension',
  custom_value_dimensions: 'custom value dimension',
  custom_event_dimensions: 'custom event dimension',
}

/** Reports a column that is not a field and is stored as a custom dimension, so the user decides. */
function checkDimensionColumn(column: string, target: string, entity: string): Finding | null {
  const [prefix, key] = splitDimension(target)
  if (prefix === null || column === target) return null
  return {
    level: 'warning',
    code: 'unknown_column',
    message: `Column "${column}" is not a field of ${entity}, so it will be stored as ${dimensionNames[prefix]} ${key}. Leave it out in the mapping if it should not be stored.`,
  }
}

/** Checks the column mapping: unmapped and guessed columns, unknown targets, missing fields. */
export function checkMapping(
  header: string[],
  mapping: Record<string, string>,
  fields: UploadFieldSpec[],
  dimensions = true,
  entity = 'this upload',
): Finding[] {
  const findings: Finding[] = []
  const targets = new Map<string, string>()
  for (const column of header) {
    const target = mapping[column]
    if (target === undefined) {
      if (column.trim().toLowerCase() === ERROR_COLUMN) continue
      findings.push({
        level: 'warning',
        code: 'unknown_column',
        message: `Column "${column}" is not mapped to a field and will be left out.`,
      })
      continue
    }
    const guessed = checkDimensionColumn(column, target, entity)
    if (guessed !== null) findings.push(guessed)
    if (!isKnownTarget(target, fields, dimensions)) {
      findings.push({
        level: 'error',
        code: 'unknown_field',
        message: dimensions
          ? `Column "${column}" is mapped to "${target}", which is not a field: pick a field or a custom_label_dimensions.<name> column.`
          : `Column "${column}" is mapped to "${target}", which is not a field: pick a field or leave the column out.`,
      })
    }
    const other = targets.get(target)
    if (other !== undefined) {
      findings.push({
        level: 'error',
        code: 'duplicate_mapping',
        message: `Columns "${other}" and "${column}" are both mapped to ${target}: map only one.`,
      })
    }
    targets.set(target, column)
  }
  for (const field of fields) {
    if (!field.required || targets.has(field.name)) continue
    const isKey = field.key ?? keyFieldNames.has(field.name)
    findings.push({
      level: isKey ? 'error' : 'warning',
      code: 'missing_required',
      message: isKey
        ? `Required field ${field.name} has no column: add a "${field.name}" column or map one to it.`
        : `Required field ${field.name} has no column: rows that create a new record will fail, rows that update an existing one are fine. Map a column to ${field.name} to create records.`,
    })
  }
  return findings
}

/** True when values of `target` are dates (timestamp fields and event dimensions). */
export function isDateTarget(target: string, fields: UploadFieldSpec[]): boolean {
  const [prefix] = splitDimension(target)
  if (prefix === 'custom_event_dimensions') return true
  const field = fields.find((candidate) => candidate.name === target)
  return field !== undefined && (field.format === 'epoch-ms' || /date|time/i.test(field.type))
}

export function findSlashDateColumns(
  header: string[],
  rows: string[][],
  mapping: Record<string, string>,
  fields: UploadFieldSpec[],
): string[] {
  return header.filter((column, index) => {
    const target = mapping[column]
    if (target === undefined || !isDateTarget(target, fields)) return false
    return rows.some((row) => {
      const reading = readSlashDate(row[index] ?? '')
      return reading !== null && reading !== 'invalid'
    })
  })
}

export function checkDates(
  header: string[],
  rows: string[][],
  columns: string[],
  dateFormat: DateFormat | undefined,
): Finding[] {
  const findings: Finding[] = []
  for (const column of columns) {
    const index = header.indexOf(column)
    const readings = rows.map((row, rowIndex) => ({
      row: rowIndex + 2,
      value: row[index] ?? '',
      reading: readSlashDate(row[index] ?? ''),
    }))
    const ambiguous = readings.filter((item) => item.reading === 'ambiguous')
    const monthFirst = readings.filter((item) => item.reading === 'month_first')
    const dayFirst = readings.filter((item) => item.reading === 'day_first')
    if (monthFirst.length > 0 && dayFirst.length > 0) {
      findings.push({
        level: 'error',
        code: 'mixed_dates',
        message: `Column "${column}" mixes month-first dates (such as ${monthFirst[0]?.value}) and day-first dates (such as ${dayFirst[0]?.value}): make them one format.`,
        rows: [monthFirst[0]!.row, dayFirst[0]!.row],
      })
      continue
    }
    if (dateFormat === 'MM/DD/YYYY' || dateFormat === 'DD/MM/YYYY') continue
    const hint =
      monthFirst.length > 0
        ? ' Values such as ' + monthFirst[0]?.value + ' fit only MM/DD/YYYY.'
        : dayFirst.length > 0
          ? ' Values such as ' + dayFirst[0]?.value + ' fit only DD/MM/YYYY.'
          : ''
    findings.push({
      level: 'error',
      code: 'ambiguous_dates',
      message: `Column "${column}" has day/month dates${ambiguous[0] ? ` such as ${ambiguous[0].value}, which reads as two different days` : ''}: choose MM/DD/YYYY or DD/MM/YYYY.${hint}`,
      rows: (ambiguous.length > 0 ? ambiguous : readings.filter((item) => item.reading !== null))
        .slice(0, MAX_ROW_NUMBERS)
        .map((item) => item.row),
    })
  }
  return findings
}

/** Cells a spreadsheet would run as a formula when opened. */
export function looksLikeFormula(value: string): boolean {
  return /^[=+\-@\t\r]/.test(value)
}

export function checkFormulas(header: string[], rows: string[][]): Finding[] {
  const hits = rows.flatMap((row, index) =>
    row.some((cell) => /^[=@]/.test(cell) || /^[+-][^\d.]/.test(cell)) ? [index + 2] : [],
  )
  if (hits.length === 0 || header.length === 0) return []
  return [
    {
      level: 'info',
      code: 'formula',
      message: `${hits.length} row(s) have cells that start like a spreadsheet formula; they are stored as text and escaped in every CSV we produce.`,
      rows: hits.slice(0, MAX_ROW_NUMBERS),
    },
  ]
}
