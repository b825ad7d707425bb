import { decodeUtf8 } from '../lib/utf8'
import {
  type BodyError,
  type CheckedBody,
  MAX_EVENTS_PER_REQUEST,
  type RejectedLine,
} from './events.ndjson'

/** An NDJSON body decoded line by line: invalid lines are blanked and listed as rejected. */
export interface DecodedLines {
  text: string
  invalid: RejectedLine[]
}

const LF = 0x0a

/**
 * Decodes an NDJSON body that is not valid UTF-8 as a whole, one line at a time. Byte 0x0A never
 * occurs inside a multi-byte UTF-8 sequence, so splitting the bytes on it finds the same lines as
 * splitting the text. An invalid line becomes blank (so line numbers stay) and is never decoded
 * with replacement characters.
 */
export function decodeNdjsonLines(bytes: Uint8Array): DecodedLines {
  const texts: string[] = []
  const invalid: RejectedLine[] = []
  let start = 0
  while (start <= bytes.length) {
    let end = bytes.indexOf(LF, start)
    if (end === -1) end = bytes.length
    const decoded = decodeUtf8(bytes.subarray(start, end))
    if (decoded.ok) {
      texts.push(decoded.text)
    } else {
      texts.push('')
      invalid.push({
        line: texts.length,
        message: `Line is not valid UTF-8 (first invalid byte at offset ${decoded.offset} of the line): send UTF-8 JSON.`,
        id: null,
      })
    }
    start = end + 1
  }
  return { text: texts.join('\n'), invalid }
}

/**
 * Adds the lines rejected for invalid UTF-8 to the outcome of checking the rest of the body. A body
 * whose every event line is invalid gets them all back as rejected lines rather than a body error.
 */
export function withInvalidLines(
  checked: CheckedBody | BodyError,
  decoded: DecodedLines,
): CheckedBody | BodyError {
  const { invalid } = decoded
  if (invalid.length === 0) return checked
  if ('httpStatus' in checked) {
    const onlyInvalidLines = checked.httpStatus === 400 && decoded.text.trim() === ''
    return onlyInvalidLines ? { accepted: [], rejected: invalid } : checked
  }
  const total = checked.accepted.length + checked.rejected.length + invalid.length
  if (total > MAX_EVENTS_PER_REQUEST) {
    return {
      httpStatus: 413,
      message: `Body has ${total} events; the maximum is ${MAX_EVENTS_PER_REQUEST} per request. Split it.`,
    }
  }
  const rejected = [...checked.rejected, ...invalid].sort((a, b) => a.line - b.line)
  return { accepted: checked.accepted, rejected }
}
