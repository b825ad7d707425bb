import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { rollupStatements } from './usage.rollup'

const statements: [string, string, string[]][] = [
  ['hourly user totals', rollupStatements.hourlyUserTotals, []],
  ['hourly user features', rollupStatements.hourlyUserFeatures, []],
  ['hourly account rows delete', rollupStatements.hourlyAccountRows.delete, ['[]']],
  ['hourly account rows insert', rollupStatements.hourlyAccountRows.insert, ['[]']],
  ['daily user rows', rollupStatements.dailyUserRows, []],
  ['daily account rows delete', rollupStatements.dailyAccountRows.delete, ['[]']],
  ['daily account rows insert', rollupStatements.dailyAccountRows.insert, ['[]']],
]

/**
 * A plan step that reads a table by the org alone, a rollup table by org and account alone, or a
 * whole table costs time in proportion to the history, so each delivery would get slower as
 * events accumulate.
 */
const HISTORY_READ = new RegExp(
  [
    String.raw`SCAN (events|usage_hourly|usage_daily)\b`,
    String.raw`USING .*INDEX \S+ \(org_id=\?\)$`,
    String.raw`usage_(hourly|daily) USING .*INDEX \S+ \(org_id=\? AND account_id=\?\)$`,
  ].join('|'),
)

describe('rollup statement plans', () => {
  it.each(statements)('%s reads only the rows a delivery touched', async (_name, sql, extra) => {
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind('org_plan', 'batch_plan', ...extra)
      .all<{ detail: string }>()
    const details = plan.results.map((step) => step.detail)

    expect(details.length).toBeGreaterThan(0)
    expect(details.filter((detail) => HISTORY_READ.test(detail))).toEqual([])
  })
})
