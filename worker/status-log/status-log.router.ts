import { TRPCError } from '@trpc/server'
import { z } from 'zod'

import { consoleProcedure, router } from '../trpc/init'
import { typeError } from '../trpc/zod-messages'
import { statusLogFor } from './status-log.client'
import { STATUS_LOG_CAPACITY } from './status-log.types'

const outcomes = ['Success', 'Partial', 'Failure'] as const
const sources = ['rest', 'trpc', 'csv_upload', 'events'] as const

/** Explains a bad enum value by listing the allowed ones. */
const oneOf = (field: string, values: readonly string[]) => (issue: { input?: unknown }) =>
  `${field} must be one of ${values.join(', ')}, got ${JSON.stringify(issue.input)}.`

const filterInput = z
  .object({
    outcome: z.enum(outcomes, { error: oneOf('outcome', outcomes) }).optional(),
    api: z
      .string()
      .max(64, 'api is at most 64 characters: pass an API name such as accounts.')
      .optional(),
    source: z.enum(sources, { error: oneOf('source', sources) }).optional(),
    afterId: z.number().int().nonnegative('afterId must be a call id, 0 or more.').optional(),
    beforeId: z.number().int().positive('beforeId must be a call id, 1 or more.').optional(),
    limit: z
      .number({ error: typeError('limit', 'number', 'limit is required.') })
      .int(`limit must be a whole number from 1 to ${STATUS_LOG_CAPACITY}.`)
      .min(1, `limit must be from 1 to ${STATUS_LOG_CAPACITY}.`)
      .max(STATUS_LOG_CAPACITY, `limit must be from 1 to ${STATUS_LOG_CAPACITY}.`)
      .default(50),
  })
  .default({ limit: 50 })

export const statusLogRouter = router({
  /** Lists the org's newest calls first. */
  list: consoleProcedure('viewer')
    .input(filterInput)
    .query(async ({ ctx, input }) => {
      const entries = await statusLogFor(ctx.env, ctx.principal.orgId).list(input)
      return { entries, capacity: STATUS_LOG_CAPACITY }
    }),

  /** Returns one call with its failed records. */
  get: consoleProcedure('viewer')
    .input(z.object({ id: z.number().int().positive() }))
    .query(async ({ ctx, input }) => {
      const entry = await statusLogFor(ctx.env, ctx.principal.orgId).get(input.id)
      if (!entry) {
        throw new TRPCError({
          code: 'NOT_FOUND',
          message: `Call ${input.id} is not in the log: it never existed or rolled out of the newest ${STATUS_LOG_CAPACITY}.`,
        })
      }
      return entry
    }),
})
