import { validateEvent } from './events.validate'

/** Largest accepted request body, in bytes. */
export const MAX_BODY_BYTES = 1_000_000

/** Most events accepted in one request. */
export const MAX_EVENTS_PER_REQUEST = 1000

/** Longest accepted line, in bytes. */
export const MAX_LINE_BYTES = 32 * 1024

/** A line that passed validation, kept as the text the sender wrote. */
export interface AcceptedLine {
  line: number
  text: string
  /** UTF-8 bytes of `text`, used to size queue messages. */
  bytes: number
}

/** A line that broke a rule. `line` is 1-based, as editors number lines. */
export interface RejectedLine {
  line: number
  message: string
  /** `account_id/user_id` when the line parsed far enough to tell. */
  id: string | null
}

/** The outcome of checking a body line by line. */
export interface CheckedBody {
  accepted: AcceptedLine[]
  rejected: RejectedLine[]
}

/** A rule broken by the body as a whole; nothing from it is accepted. */
export interface BodyError {
  httpStatus: 400 | 413 | 415
  message: string
}

const encoder = new TextEncoder()

/** Longest `account_id/user_id` reported for a rejected line, in characters. */
const MAX_REJECTED_ID = 200

function idOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null
  const event = value as Record<string, unknown>
  if (event.account_id === undefined && event.user_id === undefined) return null
  const id = `${String(event.account_id ?? '')}/${String(event.user_id ?? '')}`
  return id.length <= MAX_REJECTED_ID ? id : `${id.slice(0, MAX_REJECTED_ID - 1)}…`
}

/** True when a line that failed to parse looks like part of a pretty-printed object. */
function multiLineHint(text: string): boolean {
  const trimmed = text.trim()
  return (
    (trimmed.startsWith('{') && !trimmed.endsWith('}')) ||
    (trimmed.endsWith('}') && !trimmed.startsWith('{')) ||
    /^"[^"]*"\s*:/.test(trimmed)
  )
}

function checkLine(text: string, line: number, bytes: number, now: number) {
  if (bytes > MAX_LINE_BYTES) {
    return {
      line,
      message: `Line is ${bytes} bytes; the maximum is ${MAX_LINE_BYTES}. Move large details elsewhere.`,
      id: null,
    }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    const message = multiLineHint(text)
      ? 'Invalid JSON: each line must be one complete JSON object, and this line contains only part of one. Send each event on a single line, not pretty-printed.'
      : 'Invalid JSON: each line must be one complete JSON object.'
    return { line, message, id: null }
  }
  const result = validateEvent(value, now)
  if ('error' in result) return { line, message: result.error, id: idOf(value) }
  return null
}

/** Splits a body into lines (LF or CRLF) and drops blank ones, keeping 1-based line numbers. */
function splitLines(body: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = []
  const parts = body.split('\n')
  for (let index = 0; index < parts.length; index++) {
    let text = parts[index] as string
    if (text.endsWith('\r')) text = text.slice(0, -1)
    if (text.trim() !== '') lines.push({ line: index + 1, text })
  }
  return lines
}

/**
 * Checks an NDJSON body: one JSON event per line, never a JSON array. Returns a body-level error
 * or the accepted and rejected lines. `bodyBytes` is the UTF-8 size of `body`.
 */
export function checkNdjsonBody(
  body: string,
  bodyBytes: number,
  now: number,
): CheckedBody | BodyError {
  if (bodyBytes > MAX_BODY_BYTES) {
    return {
      httpStatus: 413,
      message: `Body is ${bodyBytes} bytes; the maximum is ${MAX_BODY_BYTES}. Split it into several requests.`,
    }
  }
  if (body.trimStart().startsWith('[')) {
    return {
      httpStatus: 400,
      message:
        'Body is a JSON array; send one JSON object per line (NDJSON) without the enclosing brackets.',
    }
  }
  const lines = splitLines(body)
  if (lines.length === 0) {
    return { httpStatus: 400, message: 'Body has no events; send one JSON object per line.' }
  }
  if (lines.length > MAX_EVENTS_PER_REQUEST) {
    return {
      httpStatus: 413,
      message: `Body has ${lines.length} events; the maximum is ${MAX_EVENTS_PER_REQUEST} per request. Split it.`,
    }
  }

  // An all-ASCII body has as many bytes as characters, which spares encoding every line.
  const ascii = body.length === bodyBytes
  const accepted: AcceptedLine[] = []
  const rejected: RejectedLine[] = []
  for (const { line, text } of lines) {
    const bytes = ascii ? text.length : encoder.encode(text).length
    const failure = checkLine(text, line, bytes, now)
    if (failure) rejected.push(failure)
    else accepted.push({ line, text, bytes })
  }
  return { accepted, rejected }
}

/** Checks events sent as objects (the tRPC path) by the same rules, numbering them from 1. */
export function checkEventObjects(events: unknown[], now: number): CheckedBody | BodyError {
  if (events.length > MAX_EVENTS_PER_REQUEST) {
    return {
      httpStatus: 413,
      message: `Request has ${events.length} events; the maximum is ${MAX_EVENTS_PER_REQUEST}. Split it.`,
    }
  }
  const accepted: AcceptedLine[] = []
  const rejected: RejectedLine[] = []
  events.forEach((event, index) => {
    const text = JSON.stringify(event) ?? 'null'
    const bytes = encoder.encode(text).length
    const failure = checkLine(text, index + 1, bytes, now)
    if (failure) rejected.push(failure)
    else accepted.push({ line: index + 1, text, bytes })
  })
  return { accepted, rejected }
}
