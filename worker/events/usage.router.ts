import { z } from 'zod'

import { consoleProcedure, router } from '../trpc/init'
import { deadLetterSummary } from './events.dead-letter'
import { accountUsage, unknownAccounts } from './usage.service'

const daysInput = z.number().int().min(1).max(90).default(30)

/** Usage read from the event rollups, for the console. */
export const usageRouter = router({
  account: consoleProcedure('viewer')
    .input(z.object({ accountId: z.string().min(1), days: daysInput }))
    .query(({ ctx, input }) =>
      accountUsage(ctx.db, ctx.principal.orgId, input.accountId, input.days),
    ),

  unknownAccounts: consoleProcedure('viewer')
    .input(z.object({ days: daysInput }))
    .query(({ ctx, input }) => unknownAccounts(ctx.db, ctx.principal.orgId, input.days)),

  /** Counts the events that failed every retry and are kept in dead-letter storage in R2. */
  deadLetters: consoleProcedure('viewer').query(({ ctx }) =>
    deadLetterSummary(ctx.env.UPLOADS, ctx.principal.orgId),
  ),
})
