import { decodeSample, detectDelimiter, MAX_CELL_CHARS, parseSample } from './csv'
import { checkNotText } from './file-kind'
import type { UploadFieldSpec } from './fields'
import { mappingFromSuggestions, suggestMapping, type MappingSuggestion } from './mapping'
import {
  checkDates,
  checkFieldCounts,
  checkFormulas,
  checkHeader,
  checkMapping,
  findSlashDateColumns,
} from './preflight-checks'
import type { DateFormat } from './uploads.schema'

/**
 * Bytes of the file preflight reads before it returns its findings. A queued whole-file check
 * (`file-check.ts`) then counts rows, wrong field counts and day/month dates past the sample, and
 * processing fails each bad row with its row number, so nothing past the sample is guessed.
 */
export const PREFLIGHT_SAMPLE_BYTES = 1024 * 1024

const PREVIEW_ROWS = 10

/** Characters of one cell the preview shows. Longer cells are cut in the preview only. */
export const PREVIEW_CELL_CHARS = 1000

/** One preflight result. `error` findings block starting the job until the file or choice is fixed. */
export interface Finding {
  level: 'error' | 'warning' | 'info'
  code: string
  message: string
  /** Row numbers the finding is about, header = row 1; at most 20. */
  rows?: number[]
}

/** Everything preflight learns from the start of the file. */
export interface PreflightReport {
  findings: Finding[]
  /** True when an `error` finding stops the job from starting. */
  blocking: boolean
  encoding: string
  hadBom: boolean
  delimiter: string
  header: string[]
  /** The first rows as they will be read, keyed by header column. */
  preview: Record<string, string>[]
  /** Data rows in the sample; the whole file's count when `sampleIsWholeFile`. */
  sampleRows: number
  sampleIsWholeFile: boolean
  suggestions: MappingSuggestion[]
  mapping: Record<string, string>
  /** Mapped date columns holding day/month values, which need a chosen date format. */
  slashDateColumns: string[]
}

/** Input to preflight: the sample bytes and the user's choices so far. */
export interface PreflightInput {
  sample: Uint8Array
  /** True when `sample` is the whole file. */
  complete: boolean
  fields: UploadFieldSpec[]
  /** False when the API takes no custom dimension columns (events); defaults to true. */
  dimensions?: boolean
  /** Entity name for messages, such as `accounts`. */
  entity?: string
  mapping?: Record<string, string>
  dateFormat?: DateFormat
}

const delimiterNames: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' }

/** Names a delimiter for messages. */
export function delimiterName(delimiter: string): string {
  return delimiterNames[delimiter] ?? `"${delimiter}"`
}

function emptyReport(findings: Finding[], hadBom: boolean): PreflightReport {
  return {
    findings,
    blocking: true,
    encoding: 'UTF-8',
    hadBom,
    delimiter: ',',
    header: [],
    preview: [],
    sampleRows: 0,
    sampleIsWholeFile: true,
    suggestions: [],
    mapping: {},
    slashDateColumns: [],
  }
}

/**
 * Checks the start of an upload before anything is written: encoding, byte order mark, delimiter,
 * header, field counts, mapping and ambiguous dates. Pure, so every case is tested on bytes alone.
 */
export function runPreflight(input: PreflightInput): PreflightReport {
  const notText = checkNotText(input.sample)
  if (notText !== null) return emptyReport([notText], false)
  const decoded = decodeSample(input.sample, input.complete)
  const findings: Finding[] = []
  if (decoded.hadBom) {
    findings.push({
      level: 'info',
      code: 'bom',
      message: 'The file starts with a UTF-8 byte order mark (as Excel writes); it is skipped.',
    })
  }
  if (decoded.otherEncoding !== null) {
    findings.push({
      level: 'error',
      code: 'encoding',
      message: `The file is not UTF-8; it looks like ${decoded.otherEncoding}. Save it as "CSV UTF-8" and upload it again.`,
    })
  }
  if (decoded.text.trim() === '') {
    findings.push({
      level: 'error',
      code: 'empty',
      message: 'The file is empty: add a header row and data rows.',
    })
    return emptyReport(findings, decoded.hadBom)
  }

  const delimiter = detectDelimiter(decoded.text)
  const parsed = parseSample(decoded.text, delimiter, input.complete)
  if (parsed.error !== null) {
    findings.push({
      level: 'error',
      code: 'parse',
      message: `The file is not valid CSV: ${parsed.error}`,
    })
  }
  const [header = [], ...rows] = parsed.records
  const report = checkRows(header, rows, input, findings)
  report.preview = previewRows(header, rows, parsed.cut, findings)
  report.encoding = decoded.otherEncoding ?? 'UTF-8'
  report.hadBom = decoded.hadBom
  report.delimiter = delimiter
  if (delimiter !== ',') {
    findings.push({
      level: 'info',
      code: 'delimiter',
      message: `Fields are separated by ${delimiterName(delimiter)}s.`,
    })
  }
  report.blocking = findings.some((finding) => finding.level === 'error')
  return report
}

function checkRows(
  header: string[],
  rows: string[][],
  input: PreflightInput,
  findings: Finding[],
): PreflightReport {
  if (rows.length === 0 && input.complete) {
    findings.push({
      level: 'error',
      code: 'header_only',
      message: 'The file has a header row but no data rows.',
    })
  }
  findings.push(...checkHeader(header))
  findings.push(...checkFieldCounts(header, rows))

  const dimensions = input.dimensions ?? true
  const suggestions = suggestMapping(header, rows.slice(0, 50), input.fields, dimensions)
  const mapping = input.mapping ?? mappingFromSuggestions(suggestions)
  findings.push(...checkMapping(header, mapping, input.fields, dimensions, input.entity))
  const slashDateColumns = findSlashDateColumns(header, rows, mapping, input.fields)
  findings.push(...checkDates(header, rows, slashDateColumns, input.dateFormat))
  findings.push(...checkFormulas(header, rows))

  return {
    ...emptyReport(findings, false),
    header,
    sampleRows: rows.length,
    sampleIsWholeFile: input.complete,
    suggestions,
    mapping,
    slashDateColumns,
  }
}

/** Cuts one preview cell to PREVIEW_CELL_CHARS with a note, and adds a finding saying why. */
function previewCell(
  value: string,
  row: number,
  column: string,
  cut: boolean,
  findings: Finding[],
) {
  if (!cut && value.length <= PREVIEW_CELL_CHARS) return value
  const tooLong = cut || value.length > MAX_CELL_CHARS
  const size = cut
    ? 'runs past the first 1 MB that preflight reads'
    : `has ${value.length.toLocaleString('en-US')} characters`
  findings.push({
    level: tooLong ? 'warning' : 'info',
    code: 'long_field',
    message:
      `Row ${row}, column "${column}": the field ${size}, so the preview shows only its first ${PREVIEW_CELL_CHARS.toLocaleString('en-US')} characters.` +
      (tooLong
        ? ` A field over ${MAX_CELL_CHARS.toLocaleString('en-US')} characters fails its row when processed, so shorten it.`
        : ''),
    rows: [row],
  })
  const note = cut ? 'continues past the preflight sample' : `${value.length} characters in all`
  return `${value.slice(0, PREVIEW_CELL_CHARS)} … [cut in the preview: ${note}]`
}

/**
 * Builds the preview of the first rows keyed by header column. Long cells are cut with a note, and
 * a row cut by the end of the sample is shown as far as the sample reaches instead of left out.
 */
function previewRows(
  header: string[],
  rows: string[][],
  cutRow: string[] | null,
  findings: Finding[],
): Record<string, string>[] {
  const shown = rows.slice(0, PREVIEW_ROWS).map((cells) => ({ cells, cut: false }))
  // A cut row is shown only when its last field is long, because that field would otherwise leave
  // the preview empty. A row merely cut mid-line is left out.
  const longCut = (cutRow?.at(-1)?.length ?? 0) > PREVIEW_CELL_CHARS
  if (shown.length < PREVIEW_ROWS && cutRow !== null && longCut && header.length > 0) {
    shown.push({ cells: cutRow, cut: true })
  }
  return shown.map(({ cells, cut }, index) =>
    Object.fromEntries(
      header.map((column, position) => {
        const isCutCell = cut && position === cells.length - 1
        const value = previewCell(cells[position] ?? '', index + 2, column, isCutCell, findings)
        return [column, value]
      }),
    ),
  )
}
