import type { DateFormat } from './uploads.schema'

const slashDate = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/
const isoDate =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/
const yearOnly = /^\d{4}$/
const epochMillis = /^\d{11,14}$/

/** How a day/month date such as `03/04/2024` reads: which formats it fits. */
export type SlashDateReading = 'ambiguous' | 'month_first' | 'day_first' | 'invalid'

/**
 * Classifies a `NN/NN/YYYY` value: `ambiguous` when both parts are 12 or less and differ, so it
 * reads as two different days. It is `month_first` or `day_first` when only one reading is a date.
 */
export function readSlashDate(value: string): SlashDateReading | null {
  const match = slashDate.exec(value.trim())
  if (!match) return null
  const first = Number(match[1])
  const second = Number(match[2])
  if (first < 1 || second < 1 || first > 31 || second > 31) return 'invalid'
  if (first <= 12 && second <= 12) return first === second ? 'month_first' : 'ambiguous'
  if (first <= 12) return 'month_first'
  if (second <= 12) return 'day_first'
  return 'invalid'
}

function utcMillis(year: number, month: number, day: number): number | null {
  const time = Date.UTC(year, month - 1, day)
  const date = new Date(time)
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1) return null
  if (date.getUTCDate() !== day) return null
  return time
}

/**
 * Parses a CSV date cell to epoch milliseconds (UTC). Accepted: ISO 8601 dates and date-times,
 * epoch milliseconds (11 to 14 digits), a bare 4-digit year (read as 1 January of that year, UTC),
 * and `NN/NN/YYYY` in the chosen `format`. Returns an error message naming the fix otherwise.
 */
export function parseDateCell(
  value: string,
  format: DateFormat | undefined,
): { ok: true; value: number } | { ok: false; message: string } {
  const text = value.trim()
  if (epochMillis.test(text)) return { ok: true, value: Number(text) }
  if (yearOnly.test(text)) return { ok: true, value: Date.UTC(Number(text), 0, 1) }

  if (isoDate.test(text)) {
    const time = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text)
    if (!Number.isNaN(time)) return { ok: true, value: time }
  }

  const match = slashDate.exec(text)
  if (match) {
    if (!format || format === 'YYYY-MM-DD') {
      return {
        ok: false,
        message: `Date "${text}" is day/month; choose MM/DD/YYYY or DD/MM/YYYY for this upload.`,
      }
    }
    const [first, second, year] = [Number(match[1]), Number(match[2]), Number(match[3])]
    const time =
      format === 'MM/DD/YYYY' ? utcMillis(year, first, second) : utcMillis(year, second, first)
    if (time !== null) return { ok: true, value: time }
    return { ok: false, message: `Date "${text}" is not a valid ${format} date.` }
  }

  return {
    ok: false,
    message: `Invalid date "${text}": use YYYY-MM-DD, a 4-digit year, epoch milliseconds, or MM/DD/YYYY or DD/MM/YYYY with that format chosen.`,
  }
}
