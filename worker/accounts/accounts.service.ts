import type { Database } from '../db/client'
import { logError } from '../lib/log'
import type { FailedRecord } from '../status-log/status-log.types'
import type { Entity } from './accounts.fields'
import { findRecords, type RecordKey } from './accounts.queries'
import { toStoredRow } from './accounts.rows'
import {
  existingAccountIds,
  existingMemberKeys,
  memberKey,
  type StoredRow,
  writeChunk,
} from './accounts.store'
import { missingInsertFields, type ValidRecord, validateRecord } from './accounts.validate'

export type { Entity, FieldSpec } from './accounts.fields'
export { entityFields } from './accounts.fields'
export {
  deactivateRecords,
  findRecords,
  getAccountDetail,
  listForConsole,
  listRecords,
  MAX_PAGE_SIZE,
  type ConsoleListOptions,
  type ListOptions,
  type RecordKey,
} from './accounts.queries'

/** A record that was not written. `id` is its user_id, or its account_id for accounts. */
export interface RecordFailure extends FailedRecord {
  accountId: string | null
  userId: string | null
}

/** The outcome of a bulk upsert. Failures are sorted by index. */
export interface UpsertResult {
  written: number
  failed: RecordFailure[]
}

/** A stored row may not exceed D1's 2 MB row limit; this leaves room for the other columns. */
export const MAX_RECORD_BYTES = 1_000_000
/**
 * Rows per write statement, and JSON bytes per statement's one bound text. D1 rejects a bound
 * string over 2,000,000 bytes, so chunks stay well below that.
 * NOTE: local D1 does not enforce that string limit, so no local test would catch a larger chunk.
 */
const CHUNK_ROWS = 1000
const CHUNK_BYTES = 1_500_000

type Planned = { index: number; row: StoredRow; bytes: number }

/**
 * Validates each record and writes the valid ones. `index` in a failure is the record's 0-based
 * position in `records`. Rows are written in chunks, each chunk atomic, so a chunk that fails to
 * write is reported as failed records and the others stay written. Re-sending a record changes
 * nothing but its `updated_at`. When one id appears twice, the later record is merged over the
 * earlier one, as two calls in a row would be; neither is reported.
 */
export async function upsertRecords(
  db: Database,
  orgId: string,
  entity: Entity,
  records: unknown[],
): Promise<UpsertResult> {
  const failed: RecordFailure[] = []
  const valid: { index: number; record: ValidRecord }[] = []
  records.forEach((input, index) => {
    const result = validateRecord(entity, input)
    if (result.ok) valid.push({ index, record: result.record })
    else failed.push(failure(index, input, result.message))
  })

  const planned =
    entity === 'accounts'
      ? await planAccounts(db, orgId, valid, failed)
      : await planMembers(db, orgId, entity, valid, failed)

  let written = 0
  const now = Date.now()
  for (const chunk of chunkBySize(planned)) {
    try {
      await writeChunk(
        db,
        orgId,
        entity,
        chunk.map((item) => item.row),
        now,
      )
      written += chunk.length
    } catch (error) {
      logError('accounts.chunk_write_failed', error, { orgId, entity, rows: chunk.length })
      for (const item of chunk) {
        const message = 'Writing this record failed on the server; send it again.'
        failed.push(failure(item.index, valid.find((v) => v.index === item.index)?.record, message))
      }
    }
  }

  failed.sort((a, b) => a.index - b.index)
  return { written, failed }
}

async function planAccounts(
  db: Database,
  orgId: string,
  valid: { index: number; record: ValidRecord }[],
  failed: RecordFailure[],
): Promise<Planned[]> {
  const known = await existingAccountIds(
    db,
    orgId,
    valid.map(({ record }) => record.account_id),
  )
  const planned: Planned[] = []
  for (const { index, record } of valid) {
    const exists = known.has(record.account_id)
    const missing = exists ? null : missingInsertFields('accounts', record)
    if (missing) {
      failed.push(failure(index, record, missing))
      continue
    }
    known.add(record.account_id)
    addPlanned(planned, failed, index, record, toStoredRow('accounts', record, exists))
  }
  return planned
}

async function planMembers(
  db: Database,
  orgId: string,
  entity: Exclude<Entity, 'accounts'>,
  valid: { index: number; record: ValidRecord }[],
  failed: RecordFailure[],
): Promise<Planned[]> {
  const accounts = await existingAccountIds(
    db,
    orgId,
    valid.map(({ record }) => record.account_id),
  )
  const members = await existingMemberKeys(
    db,
    orgId,
    entity,
    valid.map(({ record }) => [record.user_id ?? '', record.account_id]),
  )
  const planned: Planned[] = []
  for (const { index, record } of valid) {
    if (!accounts.has(record.account_id)) {
      const message = `Account not found: ${record.account_id}. Create the account first (POST /accounts), then send this record again.`
      failed.push(failure(index, record, message))
      continue
    }
    const key = memberKey(record.user_id ?? '', record.account_id)
    const exists = members.has(key)
    members.add(key)
    addPlanned(planned, failed, index, record, toStoredRow(entity, record, exists))
  }
  return planned
}

function addPlanned(
  planned: Planned[],
  failed: RecordFailure[],
  index: number,
  record: ValidRecord,
  row: StoredRow,
): void {
  // The whole row counts, because names and ids travel in the same bound JSON text as `data`.
  const bytes = new TextEncoder().encode(JSON.stringify(row)).length
  if (bytes > MAX_RECORD_BYTES) {
    const message = `Record is ${bytes} bytes as JSON; the maximum is ${MAX_RECORD_BYTES}. Shorten its text or lists.`
    failed.push(failure(index, record, message))
    return
  }
  planned.push({ index, row, bytes })
}

function* chunkBySize(planned: Planned[]): Generator<Planned[]> {
  let chunk: Planned[] = []
  let bytes = 0
  for (const item of planned) {
    if (chunk.length > 0 && (chunk.length >= CHUNK_ROWS || bytes + item.bytes > CHUNK_BYTES)) {
      yield chunk
      chunk = []
      bytes = 0
    }
    chunk.push(item)
    bytes += item.bytes
  }
  if (chunk.length > 0) yield chunk
}

function failure(index: number, input: unknown, message: string): RecordFailure {
  const accountId = keyOf(input, 'account_id')
  const userId = keyOf(input, 'user_id')
  return { index, id: userId ?? accountId, accountId, userId, message }
}

function keyOf(input: unknown, field: string): string | null {
  if (typeof input !== 'object' || input === null) return null
  const value = (input as Record<string, unknown>)[field]
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null
}

/** The outcome of a single-record update (REST PUT, tRPC update). */
export type UpdateOutcome =
  | { status: 'updated'; record: Record<string, unknown> }
  | { status: 'not_found'; message: string }
  | { status: 'invalid'; message: string }

/**
 * Updates one existing record with the fields in `data`, through the same validation and write
 * path as `upsertRecords`. Key fields in `data` must match `key` when both are given.
 */
export async function updateRecord(
  db: Database,
  orgId: string,
  entity: Entity,
  key: RecordKey,
  data: unknown,
): Promise<UpdateOutcome> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { status: 'invalid', message: 'data must be a JSON object of the fields to change.' }
  }
  const fields = data as Record<string, unknown>
  const mismatch = keyMismatch(fields, key)
  if (mismatch) return { status: 'invalid', message: mismatch }

  const accountId =
    key.accountId ?? (typeof fields.account_id === 'string' ? fields.account_id : undefined)
  const matches = await findRecords(db, orgId, entity, { ...key, accountId })
  if (matches.length === 0) return { status: 'not_found', message: notFoundMessage(entity, key) }
  if (matches.length > 1) {
    const message = `user_id ${key.userId} exists under ${matches.length} accounts; add the account_id to the path: /${entity}/${key.userId}/<account_id>.`
    return { status: 'invalid', message }
  }

  const target = matches[0] as { account_id: string; user_id?: string }
  const record = { ...fields, account_id: target.account_id }
  if (entity !== 'accounts') Object.assign(record, { user_id: target.user_id })
  const result = await upsertRecords(db, orgId, entity, [record])
  if (result.failed[0]) return { status: 'invalid', message: result.failed[0].message }

  const [updated] = await findRecords(db, orgId, entity, {
    accountId: target.account_id,
    userId: target.user_id,
  })
  return { status: 'updated', record: updated ?? record }
}

function keyMismatch(fields: Record<string, unknown>, key: RecordKey): string | null {
  const pairs = [
    ['account_id', key.accountId],
    ['user_id', key.userId],
  ] as const
  for (const [field, expected] of pairs) {
    const sent = fields[field]
    if (expected !== undefined && sent !== undefined && sent !== expected) {
      return `${field} in data (${JSON.stringify(sent)}) does not match the ${field} in the path ("${expected}"): remove it from data or make them equal.`
    }
  }
  return null
}

/** Returns the 404 message for a record key. */
export function notFoundMessage(entity: Entity, key: RecordKey): string {
  if (entity === 'accounts') return `Account not found: ${key.accountId}.`
  const kind = entity === 'account_users' ? 'Account user' : 'Account contact'
  const under = key.accountId === undefined ? '' : ` under account ${key.accountId}`
  return `${kind} not found: ${key.userId}${under}.`
}
