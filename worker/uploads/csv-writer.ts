const formulaStart = /^[=+\-@\t\r]/
const plainNumber = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/**
 * Escapes a cell that a spreadsheet would run as a formula (one starting with `=`, `+`, `-`, `@`,
 * a tab or a carriage return) by prefixing a single quote, as OWASP's CSV injection guidance
 * advises. Plain signed numbers such as `-5` are left alone so they re-upload as numbers.
 */
export function escapeFormula(value: string): string {
  if (!formulaStart.test(value) || plainNumber.test(value)) return value
  return `'${value}`
}

/** Quotes a cell when it contains a delimiter, quote or line break (RFC 4180). */
export function quoteCell(value: string): string {
  if (!/[",\r\n]/.test(value)) return value
  return `"${value.replace(/"/g, '""')}"`
}

/** Formats one CSV line, formula-escaped and quoted, ending in CRLF. */
export function csvLine(cells: readonly string[]): string {
  return cells.map((cell) => quoteCell(escapeFormula(cell))).join(',') + '\r\n'
}
