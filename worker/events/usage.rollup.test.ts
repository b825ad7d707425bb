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
 * A plan step that reads a table by the org alone, or all of it, costs time in proportion to
 * the org's history, so every delivery would get slower as events accumulate.
 */
const WHOLE_ORG_READ =
  /(SCAN (events|usage_hourly|usage_daily)\b)|(USING .*INDEX \S+ \(org_id=\?\)$)/

describe('rollup statement plans', () => {
  it.each(statements)('%s reads only the rows a delivery touched', async (_name, sql, extra) => {
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind('org_plan', 'batch_plan', ...extra)
      .all<{ detail: string }>()
    const details = plan.results.map((step) => step.detail)

    expect(details.length).toBeGreaterThan(0)
    expect(details.filter((detail) => WHOLE_ORG_READ.test(detail))).toEqual([])
  })
})
