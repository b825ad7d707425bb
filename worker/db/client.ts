import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1'

import * as schema from './schema'

/** D1 rejects a statement with more bound parameters than this in production. */
export const MAX_BOUND_PARAMETERS = 100

export class BoundParameterLimitError extends Error {
  constructor(count: number, sql: string) {
    super(
      `Statement binds ${count} parameters but D1 allows at most ${MAX_BOUND_PARAMETERS}: ` +
        `split it into smaller statements. SQL: ${sql.slice(0, 120)}`,
    )
    this.name = 'BoundParameterLimitError'
  }
}

/**
 * Wraps a D1 binding so that binding more than 100 parameters throws, as production D1 does.
 * Local D1 is plain SQLite and accepts about 32,000, so without this guard an over-wide statement
 * passes every local test and fails only once deployed.
 */
export function withBoundParameterLimit(database: D1Database): D1Database {
  const guardStatement = (statement: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, property, receiver) {
        if (property === 'bind') {
          return (...values: unknown[]) => {
            if (values.length > MAX_BOUND_PARAMETERS) {
              throw new BoundParameterLimitError(values.length, sql)
            }
            return guardStatement(target.bind(...values), sql)
          }
        }
        const value = Reflect.get(target, property, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })

  return new Proxy(database, {
    get(target, property, receiver) {
      if (property === 'prepare') {
        return (sql: string) => guardStatement(target.prepare(sql), sql)
      }
      const value = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

export type Database = DrizzleD1Database<typeof schema>

/** Creates the drizzle client every service uses, behind the bound-parameter guard. */
export function createDb(database: D1Database): Database {
  return drizzle(withBoundParameterLimit(database), { schema })
}

/**
 * Splits rows into chunks whose statements stay within D1's parameter limit.
 * `parametersPerRow` counts every bound value one row adds, including columns with defaults.
 */
export function chunkForParameterLimit<T>(
  rows: readonly T[],
  parametersPerRow: number,
  fixed = 0,
): T[][] {
  const perChunk = Math.floor((MAX_BOUND_PARAMETERS - fixed) / parametersPerRow)
  if (perChunk < 1) {
    throw new Error(`A row of ${parametersPerRow} parameters cannot fit in one D1 statement`)
  }
  const chunks: T[][] = []
  for (let start = 0; start < rows.length; start += perChunk) {
    chunks.push(rows.slice(start, start + perChunk))
  }
  return chunks
}
