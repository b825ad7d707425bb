import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { initTRPC, TRPCError } from '@trpc/server'
import { ZodError, z } from 'zod'

import type { ApiKeyPrincipal, Principal, SessionPrincipal } from '../auth/principal'
import type { Database } from '../db/client'
import type { Env } from '../env'
import type { Role } from '../orgs/orgs.schema'
import { describeZodError } from './zod-messages'

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
  // Without this, tRPC treats an unset NODE_ENV as development and sends stack traces to clients.
  isDev: false,
  errorFormatter({ shape, error, input }) {
    if (!(error.cause instanceof ZodError))
      return { ...shape, data: { ...shape.data, zodError: null } }
    // The default message is the issues' raw JSON; send a sentence and keep the details in data.
    const message = describeZodError(error.cause, input)
    const zodError = z.flattenError(error.cause)
    return { ...shape, message, data: { ...shape.data, zodError } }
  },
})

export const router = t.router
export const createCallerFactory = t.createCallerFactory

/** Header every mutation made with a session must carry, equal to the session's `sy_csrf` cookie. */
export const CSRF_HEADER = 'x-csrf-token'

function csrfTokenMatches(sent: string | null, expected: string): boolean {
  if (sent === null) return false
  const encoder = new TextEncoder()
  const a = encoder.encode(sent)
  const b = encoder.encode(expected)
  return a.length === b.length && constantTimeEqual(a, b)
}

/**
 * Rejects a mutation made with a session cookie unless its `x-csrf-token` header equals the
 * session's CSRF token. Another site can make the browser send the cookie but cannot read
 * `sy_csrf`, so it cannot forge the header. API key calls carry no cookie and are exempt.
 */
const csrfCheck = t.middleware(({ ctx, type, next }) => {
  const principal = ctx.principal
  if (type === 'mutation' && principal?.kind === 'session') {
    const sent = ctx.req.headers.get(CSRF_HEADER)
    if (!csrfTokenMatches(sent, principal.csrfToken)) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message:
          sent === null
            ? `Missing ${CSRF_HEADER} header: send the value of the sy_csrf cookie with every change.`
            : `Invalid ${CSRF_HEADER} header: it must equal the sy_csrf cookie. Reload the page.`,
      })
    }
  }
  return next()
})

/** Any caller, signed in or not. Mutations with a session still pass the CSRF check. */
export const publicProcedure = t.procedure.use(csrfCheck)

/** Builds a middleware that rejects calls without a session or key, with `message`. */
function requirePrincipal(message: string) {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.principal) throw new TRPCError({ code: 'UNAUTHORIZED', message })
    return next({ ctx: { ...ctx, principal: ctx.principal } })
  })
}

/** Any signed-in console user or API key. */
export const authedProcedure = publicProcedure.use(
  requirePrincipal('Sign in, or send an Account API key as "Authorization: Bearer <key>".'),
)

/** Procedures only console users may call; API keys are rejected, so the message omits them. */
const consoleOnlyProcedure = publicProcedure.use(
  requirePrincipal('Sign in to the console first: this procedure is for console users.'),
)

const roleRank: Record<Role, number> = { viewer: 0, data_manager: 1, admin: 2 }

/**
 * Builds a procedure for console users whose role is at least `minimum`: `viewer` reads,
 * `data_manager` also configures data connectors (uploads, mapping, status), `admin` does everything.
 */
export function consoleProcedure(minimum: Role) {
  return consoleOnlyProcedure.use(({ ctx, next }) => {
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
