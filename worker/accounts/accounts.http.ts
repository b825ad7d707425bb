import { readLimitedBody } from '../lib/body'
import { decodeUtf8, invalidUtf8Message } from '../lib/utf8'
import { type Entity, orderColumns } from './accounts.fields'
import type { ListOptions } from './accounts.queries'
import type { RecordFailure } from './accounts.service'

/**
 * Request parsing and response envelopes of the Natero wire format. A batch-level error is returned
 * as `{ ok: false, status, message }` and the caller writes nothing.
 */

/** Bodies larger than this are rejected with 413 before parsing. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024
/** The 413 message for a body over `MAX_BODY_BYTES`, shared by REST and tRPC. */
export const TOO_LARGE_MESSAGE = `Request body is larger than the limit of ${MAX_BODY_BYTES} bytes (10 MB). Split the records into several requests.`
/** Maximum records in one POST. */
export const MAX_RECORDS_PER_REQUEST = 5000

/** Largest `page` a REST list accepts. */
export const MAX_PAGE = 999_999_999

/** The message of a bulk write, e.g. "Wrote 1 record." or "Wrote 2 of 3 records; 1 failed, ...". */
export function upsertMessage(written: number, sent: number, failed: number): string {
  if (failed === 0) return written === 1 ? 'Wrote 1 record.' : `Wrote ${written} records.`
  return `Wrote ${written} of ${sent} records; ${failed} failed, listed in failed_results.`
}

/** A parsed request part, or the batch-level error that rejects the whole request. */
export type Parsed<T> =
  | { ok: true; value: T }
  | { ok: false; status: 400 | 413 | 415; message: string; recordsSent?: number }

/** One failed record as the wire format reports it. */
export interface WireFailure {
  record: number
  account_id: string | null
  user_id?: string | null
  message: string
}

/** The response body of every Account API call. REST lists also echo their query parameters. */
export interface Envelope {
  status_is_ok: boolean
  results?: unknown[]
  failed_results?: WireFailure[]
  message?: string
  current_page?: number
  max_page_size?: number
  order_by?: string
  direction?: string
  include_inactive?: boolean
}

/** Reads a JSON object body, enforcing the media type and size limit. */
export async function readJsonObject(request: Request): Promise<Parsed<Record<string, unknown>>> {
  const contentType = request.headers.get('content-type') ?? ''
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase()
  if (mediaType !== 'application/json') {
    const sent = contentType ? `'${contentType}'` : 'no Content-Type'
    const message = `Content-Type must be application/json, got ${sent}. Send the JSON body with "Content-Type: application/json".`
    return { ok: false, status: 415, message }
  }

  const encoding = request.headers.get('content-encoding')?.trim()
  if (encoding && encoding.toLowerCase() !== 'identity') {
    const message = `Content-Encoding '${encoding}' is not supported. Send the JSON body uncompressed, without a Content-Encoding header.`
    return { ok: false, status: 415, message }
  }

  const read = await readLimitedBody(request, MAX_BODY_BYTES)
  if (!read.ok) return { ok: false, status: 413, message: TOO_LARGE_MESSAGE }
  const text = decodeUtf8(read.bytes)
  if (!text.ok) return { ok: false, status: 400, message: invalidUtf8Message(text.offset) }

  let body: unknown
  try {
    body = JSON.parse(text.text)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    return { ok: false, status: 400, message: `Request body is not valid JSON: ${detail}.` }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const kind = body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body
    const message = `Request body must be a JSON object, got ${kind}. Send {"records": [...]} to write records, or {"data": {...}} to update one.`
    return { ok: false, status: 400, message }
  }
  return { ok: true, value: body as Record<string, unknown> }
}

/** Reads a bulk body `{"records": [...]}`. */
export async function readRecords(request: Request): Promise<Parsed<unknown[]>> {
  const body = await readJsonObject(request)
  if (!body.ok) return body
  const records = body.value.records
  const shape = 'Send {"records": [{...}, ...]}.'
  if (records === undefined) {
    return { ok: false, status: 400, message: `Request body has no "records" field. ${shape}` }
  }
  if (!Array.isArray(records)) {
    return { ok: false, status: 400, message: `"records" must be an array. ${shape}` }
  }
  if (records.length === 0) {
    return { ok: false, status: 400, message: `"records" is empty: send at least one record.` }
  }
  if (records.length > MAX_RECORDS_PER_REQUEST) {
    const message = `"records" contains ${records.length} records; the limit is ${MAX_RECORDS_PER_REQUEST} per request. Split them into several requests.`
    return { ok: false, status: 413, message, recordsSent: records.length }
  }
  return { ok: true, value: records }
}

/** Reads a single-record body `{"data": {...}}`. */
export async function readData(request: Request): Promise<Parsed<Record<string, unknown>>> {
  const body = await readJsonObject(request)
  if (!body.ok) return body
  const data = body.value.data
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const message = 'Request body must be {"data": {...}} with the fields to change.'
    return { ok: false, status: 400, message }
  }
  return { ok: true, value: data as Record<string, unknown> }
}

/**
 * Coerces a boolean query parameter as Natero does: `true`/`false` as written, any integer other
 * than 0 is true, 0 is false, and anything else is the default, false.
 */
export function coerceBoolean(value: string | undefined): boolean {
  if (value === undefined) return false
  const text = value.trim().toLowerCase()
  if (text === 'true') return true
  if (text === 'false') return false
  if (/^[-+]?\d+$/.test(text)) return Number(text) !== 0
  return false
}

/** Parses `page`, `order_by`, `direction` and `include_inactive` of a list request. */
export function parseListQuery(
  entity: Entity,
  query: Record<string, string>,
): Parsed<Omit<ListOptions, 'accountId'>> {
  const keyColumn = entity === 'accounts' ? 'account_id' : 'user_id'
  const pageText = query.page ?? '0'
  if (!/^\d{1,9}$/.test(pageText)) {
    const message = `page must be an integer from 0 to ${MAX_PAGE} (pages start at 0), got '${pageText}'.`
    return { ok: false, status: 400, message }
  }

  // Natero's own example sorts by `id`, so it names the entity's key column.
  const orderBy = query.order_by === 'id' ? keyColumn : (query.order_by ?? keyColumn)
  if (!orderColumns[entity].includes(orderBy)) {
    const allowed = ['id', ...orderColumns[entity]].join(', ')
    const message = `order_by must be one of ${allowed}, got '${query.order_by}'.`
    return { ok: false, status: 400, message }
  }

  const direction = (query.direction ?? 'asc').toLowerCase()
  if (direction !== 'asc' && direction !== 'desc') {
    const message = `direction must be asc or desc, got '${query.direction}'.`
    return { ok: false, status: 400, message }
  }

  return {
    ok: true,
    value: {
      page: Number(pageText),
      orderBy,
      direction,
      includeInactive: coerceBoolean(query.include_inactive),
    },
  }
}

/** Returns the query parameters to echo in a response, without the API key. */
export function echoedQuery(query: Record<string, string>): Record<string, string> {
  const echoed = { ...query }
  delete echoed.api_key
  return echoed
}

/** Converts service failures to the wire's `failed_results`. */
export function toWireFailures(entity: Entity, failed: RecordFailure[]): WireFailure[] {
  return failed.map((failure) => {
    const wire: WireFailure = {
      record: failure.index,
      account_id: failure.accountId,
      message: failure.message,
    }
    if (entity !== 'accounts') wire.user_id = failure.userId
    return wire
  })
}
