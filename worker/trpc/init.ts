import { initTRPC, TRPCError } from '@trpc/server'
import { ZodError, z } from 'zod'

import type { ApiKeyPrincipal, Principal, SessionPrincipal } from '../auth/principal'
import type { Database } from '../db/client'
import type { Env } from '../env'
import type { Role } from '../orgs/orgs.schema'

export interface TrpcContext {
  env: Env
  db: Database
  executionCtx: Pick<ExecutionContext, 'waitUntil'>
  req: Request
  resHeaders: Headers
  requestId: string
  principal: Principal | null
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? z.flattenError(error.cause) : null
    return { ...shape, data: { ...shape.data, zodError } }
  },
})

export const router = t.router
export const publicProcedure = t.procedure
export const createCallerFactory = t.createCallerFactory

/** Any signed-in console user or API key. */
export const authedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.principal) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Sign in, or send an Account API key as "Authorization: Bearer <key>".',
    })
  }
  return next({ ctx: { ...ctx, principal: ctx.principal } })
})

const roleRank: Record<Role, number> = { viewer: 0, data_manager: 1, admin: 2 }

/**
 * A console user whose role is at least `minimum`: `viewer` reads, `data_manager` also configures
 * data connectors (uploads, mapping, status), `admin` does everything.
 */
export function consoleProcedure(minimum: Role) {
  return authedProcedure.use(({ ctx, next }) => {
    const principal = ctx.principal
    if (principal.kind !== 'session') {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: 'This procedure is for console users; API keys may call the Account API only.',
      })
    }
    if (roleRank[principal.role] < roleRank[minimum]) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `Your role is ${principal.role}; this needs ${minimum} or higher. Ask an admin.`,
      })
    }
    return next({ ctx: { ...ctx, principal: principal as SessionPrincipal } })
  })
}

/** Console users with at least `minimum` role, or an Account API key (which may read and write). */
export function accountApiProcedure(minimum: Role) {
  return authedProcedure.use(({ ctx, next }) => {
    const principal = ctx.principal
    if (principal.kind === 'session' && roleRank[principal.role] < roleRank[minimum]) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `Your role is ${principal.role}; this needs ${minimum} or higher. Ask an admin.`,
      })
    }
    return next({ ctx: { ...ctx, principal: principal as SessionPrincipal | ApiKeyPrincipal } })
  })
}
