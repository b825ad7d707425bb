import { TRPCError } from '@trpc/server'
import { z } from 'zod'

import { consoleProcedure, router } from '../trpc/init'
import { statusLogFor } from './status-log.client'
import { STATUS_LOG_CAPACITY } from './status-log.types'

const filterInput = z.object({
  outcome: z.enum(['Success', 'Partial', 'Failure']).optional(),
  api: z.string().max(64).optional(),
  source: z.enum(['rest', 'trpc', 'csv_upload', 'events']).optional(),
  afterId: z.number().int().nonnegative().optional(),
  beforeId: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(STATUS_LOG_CAPACITY).default(50),
})

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
