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

  /** Events that could not be stored after every retry and wait in dead-letter storage. */
  deadLetters: consoleProcedure('viewer').query(({ ctx }) =>
    deadLetterSummary(ctx.env.UPLOADS, ctx.principal.orgId),
  ),
})
