import { TRPCError } from '@trpc/server'
import { z } from 'zod'

import { consoleProcedure, router } from '../trpc/init'
import {
  createEventSource,
  EventSourceKeyConflictError,
  EventSourceNotFoundError,
  issueAuthKey,
  listEventSources,
  MAX_ROLL_GRACE_SECONDS,
  revokeAuthKey,
  rollAuthKey,
} from './event-sources.service'

async function mapNotFound<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    if (error instanceof EventSourceNotFoundError) {
      throw new TRPCError({ code: 'NOT_FOUND', message: error.message })
    }
    if (error instanceof EventSourceKeyConflictError) {
      throw new TRPCError({ code: 'CONFLICT', message: error.message })
    }
    throw error
  }
}

/**
 * Event sources and their auth keys. Viewers list them; only admins create sources and roll,
 * revoke or issue keys.
 */
export const eventSourcesRouter = router({
  list: consoleProcedure('viewer').query(({ ctx }) =>
    listEventSources(ctx.db, ctx.principal.orgId),
  ),

  create: consoleProcedure('admin')
    .input(z.object({ name: z.string().trim().min(1).max(100) }))
    .mutation(({ ctx, input }) =>
      createEventSource(ctx.db, ctx.principal.orgId, input.name, ctx.principal.userId),
    ),

  rollKey: consoleProcedure('admin')
    .input(
      z.object({
        id: z.string().min(1),
        graceSeconds: z.number().int().min(0).max(MAX_ROLL_GRACE_SECONDS),
      }),
    )
    .mutation(({ ctx, input }) =>
      mapNotFound(rollAuthKey(ctx.db, ctx.principal.orgId, input.id, input.graceSeconds)),
    ),

  issueKey: consoleProcedure('admin')
    .input(z.object({ sourceId: z.string().min(1) }))
    .mutation(({ ctx, input }) =>
      mapNotFound(issueAuthKey(ctx.db, ctx.principal.orgId, input.sourceId)),
    ),

  revokeKey: consoleProcedure('admin')
    .input(z.object({ id: z.string().min(1) }))
    .mutation(async ({ ctx, input }) => {
      await mapNotFound(revokeAuthKey(ctx.db, ctx.principal.orgId, input.id))
      return { ok: true as const }
    }),
})
