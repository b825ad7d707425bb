import { TRPCError } from '@trpc/server'
import { z } from 'zod'

import { publicProcedure, router } from '../trpc/init'
import { typeError } from '../trpc/zod-messages'
import { loadSignedInView, signIn } from './auth.service'
import { clearSessionCookies, deleteSession, setSessionCookies } from './session'

const signInInput = z.object({
  email: z
    .string({ error: typeError('email', 'string', 'email is required: enter your email address.') })
    .trim()
    .pipe(
      z
        .email({
          error: (issue) =>
            `${JSON.stringify(issue.input)} is not an email address: enter one such as admin@example.com.`,
        })
        .max(320, 'email is longer than 320 characters: check the address.'),
    ),
  password: z
    .string({
      error: typeError('password', 'string', 'password is required: enter your password.'),
    })
    .min(1, { error: 'Enter your password.' })
    .max(1024, 'password is longer than 1024 characters: check what was pasted.'),
})

function formatRetryTime(until: number, now: number): string {
  const minutes = Math.max(1, Math.ceil((until - now) / 60_000))
  const time = new Date(until).toISOString().slice(11, 16)
  return `${time} UTC (in ${minutes} minute${minutes === 1 ? '' : 's'})`
}

/** Sign-in, sign-out and the current user, for the console. */
export const authRouter = router({
  /** Checks the credentials, starts a session and sets the `sy_session` and `sy_csrf` cookies. */
  signIn: publicProcedure.input(signInInput).mutation(async ({ ctx, input }) => {
    const now = Date.now()
    const result = await signIn(ctx.db, ctx.req, input, now)

    if (result.kind === 'locked') {
      throw new TRPCError({
        code: 'TOO_MANY_REQUESTS',
        message:
          'Too many failed sign-ins for this email or network. ' +
          `Try again after ${formatRetryTime(result.until, now)}.`,
      })
    }
    if (result.kind === 'invalid') {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Wrong email or password.' })
    }
    if (result.kind === 'disabled') {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: 'This user is disabled. Ask an admin of your org to enable it.',
      })
    }

    if (ctx.principal?.kind === 'session') await deleteSession(ctx.db, ctx.principal.sessionId)
    setSessionCookies(ctx.resHeaders, ctx.req, result.session)
    return { user: result.user, org: result.org }
  }),

  /** Ends the current session, if any, and clears its cookies. */
  signOut: publicProcedure.mutation(async ({ ctx }) => {
    if (ctx.principal?.kind === 'session') await deleteSession(ctx.db, ctx.principal.sessionId)
    clearSessionCookies(ctx.resHeaders, ctx.req)
    return { signedOut: true }
  }),

  /** Returns the signed-in user and org, or null without a session. */
  me: publicProcedure.query(async ({ ctx }) => {
    if (ctx.principal?.kind !== 'session') return null
    return loadSignedInView(ctx.db, ctx.principal.userId, ctx.principal.orgId)
  }),
})
