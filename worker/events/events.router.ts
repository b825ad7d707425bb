import { TRPCError } from '@trpc/server'
import { z } from 'zod'

import { consoleProcedure, publicProcedure, router } from '../trpc/init'
import { replayDeadLetters } from './events.dead-letter'
import { checkEventObjects } from './events.ndjson'
import { ingestEvents } from './events.service'

const ingestInput = z.object({
  authKey: z.string().min(1),
  apiKey: z.string().min(1),
  events: z.array(z.unknown()),
})

/**
 * The Event API for TypeScript clients. Authenticated by the key pair in the input, like
 * `POST /v1/{authKey}/{apiKey}`, and checked by the same rules one event per array item.
 */
export const eventsRouter = router({
  ingest: publicProcedure.input(ingestInput).mutation(async ({ ctx, input }) => {
    const result = await ingestEvents(
      {
        env: ctx.env,
        executionCtx: ctx.executionCtx,
        requestId: ctx.requestId,
        method: 'POST',
        path: 'events.ingest',
        source: 'trpc',
        startedAt: Date.now(),
        authKey: input.authKey,
        sendKey: input.apiKey,
      },
      (now) => checkEventObjects(input.events, now),
    )
    if (result.httpStatus === 401) {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: result.body.message })
    }
    if (result.httpStatus === 413) {
      throw new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: result.body.message })
    }
    if (result.httpStatus >= 500) {
      throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: result.body.message })
    }
    return result.body
  }),

  /** Re-enqueues the org's dead-lettered events (up to 100 messages per call) for storing. */
  replayDeadLetters: consoleProcedure('admin').mutation(({ ctx }) =>
    replayDeadLetters(ctx.env, ctx.principal.orgId),
  ),
})
