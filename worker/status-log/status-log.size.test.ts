import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { toCallRecord } from './status-log.client'
import type { StatusLog } from './status-log.do'
import { MAX_FAILED_RECORDS_KEPT } from './status-log.types'

/** Durable Object SQLite rejects a string, BLOB or row above 2,000,000 bytes in production. */
const DO_SQL_MAX_ROW_BYTES = 2_000_000

describe('StatusLog entry size', () => {
  it('stays under the production row limit', async () => {
    // A CSV upload's failed rows quote the rejected value: 100 rows with a 30,000-character
    // created_at cell give 3 MB of failed records, which local workerd stores but production
    // rejects with SQLITE_TOOBIG, so the upload would get no entry.
    const record = toCallRecord({
      time: Date.now(),
      requestId: 'upl_long_cells',
      method: 'POST',
      path: '/api/uploads/upl_long_cells',
      api: 'events',
      source: 'csv_upload',
      keyPrefix: null,
      httpStatus: 200,
      recordsSent: 101,
      failedRecords: Array.from({ length: MAX_FAILED_RECORDS_KEPT }, (_, index) => ({
        index,
        id: 'acc_1',
        message: `Row ${index + 2}: Invalid date "${'9'.repeat(30_000)}": use YYYY-MM-DD.`,
      })),
      durationMs: 5,
      message: 'CSV upload long.csv: 1 written, 100 failed.',
    })
    const stub = env.STATUS_LOG.get(env.STATUS_LOG.idFromName('org_long_cells'))
    const id = await stub.append(record)

    const bytes = await runInDurableObject(stub, (_log: StatusLog, state) => {
      return state.storage.sql
        .exec<{ n: number }>(
          'SELECT length(CAST(failed_records AS BLOB)) AS n FROM calls WHERE id = ?',
          id,
        )
        .one().n
    })
    expect(bytes).toBeLessThanOrEqual(DO_SQL_MAX_ROW_BYTES)
  })
})
