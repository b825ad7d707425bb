import { TRPCError } from '@trpc/server'
import { z } from 'zod'

import { consoleProcedure, router } from '../trpc/init'
import { typeError } from '../trpc/zod-messages'
import {
  ApiKeyError,
  MAX_GRACE_SECONDS,
  createKey,
  listKeys,
  revokeKey,
  rollKey,
} from './keys.service'

const keyId = z
  .string({
    error: typeError('id', 'string', 'id is required: pass the id of a key from keys.list.'),
  })
  .min(1, 'id is empty: pass the id of a key from keys.list.')

const labelInput = z.object({
  label: z
    .string({
      error: typeError(
        'label',
        'string',
        'label is required: name the client or system that will use this key.',
      ),
    })
    .trim()
    .min(1, 'label is empty: name the client or system that will use this key.')
    .max(80, 'label is longer than 80 characters: shorten it.'),
})

const rollInput = z.object({
  id: keyId,
  graceSeconds: z
    .number({
      error: typeError(
        'graceSeconds',
        'number',
        'graceSeconds is required: pass 0 to stop the old key now.',
      ),
    })
    .int('graceSeconds must be a whole number of seconds.')
    .min(0, 'graceSeconds cannot be negative: pass 0 to stop the old key now.')
    .max(
      MAX_GRACE_SECONDS,
      `graceSeconds is at most ${MAX_GRACE_SECONDS} (7 days): pick a shorter grace period.`,
    ),
})

/** Maps a key management failure onto the matching tRPC error and rethrows anything else. */
async function mapKeyErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    if (error instanceof ApiKeyError) {
      throw new TRPCError({ code: error.code, message: error.message, cause: error })
    }
    throw error
  }
}

/** Account API keys. Any console user may list them, but only admins create, roll and revoke. */
export const keysRouter = router({
  /** Lists the org's keys, newest first. The whole key is never part of the list. */
  list: consoleProcedure('viewer').query(({ ctx }) => listKeys(ctx.db, ctx.principal.orgId)),

  /** Creates a key and returns the whole key this once. */
  create: consoleProcedure('admin')
    .input(labelInput)
    .mutation(({ ctx, input }) => {
      ctx.resHeaders.set('cache-control', 'no-store')
      return createKey(ctx.db, {
        orgId: ctx.principal.orgId,
        userId: ctx.principal.userId,
        label: input.label,
      })
    }),

  /** Replaces a key under the same label. The old key keeps working for `graceSeconds`. */
  roll: consoleProcedure('admin')
    .input(rollInput)
    .mutation(({ ctx, input }) => {
      ctx.resHeaders.set('cache-control', 'no-store')
      return mapKeyErrors(
        rollKey(ctx.db, { orgId: ctx.principal.orgId, userId: ctx.principal.userId, ...input }),
      )
    }),

  /** Stops a key at once and returns it with status `revoked`. */
  revoke: consoleProcedure('admin')
    .input(z.object({ id: keyId }))
    .mutation(({ ctx, input }) =>
      mapKeyErrors(
        revokeKey(ctx.db, { orgId: ctx.principal.orgId, userId: ctx.principal.userId, ...input }),
      ),
    ),
})
