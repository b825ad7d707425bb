import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCLink } from '@trpc/client'
import type { inferRouterOutputs } from '@trpc/server'
import { observable } from '@trpc/server/observable'

import type { AppRouter } from '../../../worker/trpc/router'

/** Reads the CSRF token the server sets in a readable cookie at sign-in. */
function readCsrfToken(): string | null {
  const match = document.cookie.match(/(?:^|;\s*)sy_csrf=([^;]+)/)
  return match?.[1] ? decodeURIComponent(match[1]) : null
}

let unauthorizedHandler: (() => void) | null = null

/**
 * Sets the function called when a procedure fails with UNAUTHORIZED, which means the session
 * expired or was signed out elsewhere. The session provider uses it to reload `auth.me`.
 */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler
}

/** Passes every result through and reports UNAUTHORIZED failures to `onUnauthorized`. */
const sessionExpiryLink: TRPCLink<AppRouter> = () => {
  return ({ next, op }) =>
    observable((observer) =>
      next(op).subscribe({
        next: (value) => observer.next(value),
        error: (error) => {
          if (error.data?.code === 'UNAUTHORIZED' && op.path !== 'auth.signIn') {
            unauthorizedHandler?.()
          }
          observer.error(error)
        },
        complete: () => observer.complete(),
      }),
    )
}

/** The typed tRPC client. Its types come from the Worker's router, never from copies. */
export const trpc = createTRPCClient<AppRouter>({
  links: [
    sessionExpiryLink,
    httpBatchLink({
      url: '/api/trpc',
      maxURLLength: 4000,
      headers() {
        const token = readCsrfToken()
        return token ? { 'x-csrf-token': token } : {}
      },
    }),
  ],
})

/** Every procedure's output type, keyed like the router: `RouterOutputs['keys']['list']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>

/**
 * Shown for a call rejected because the session ended or its CSRF cookie is gone. `ErrorText`
 * adds a sign-in link after any message containing it.
 */
export const SESSION_ENDED_MESSAGE =
  'Your session has ended or is missing its security token; sign in again.'

interface ErrorShapeData {
  code?: string
  path?: string
}

/**
 * Returns whether a call failed for lack of a usable session: no session (UNAUTHORIZED, except a
 * wrong password at sign-in), or a missing or stale `sy_csrf` cookie, which the server reports as
 * FORBIDDEN naming the `x-csrf-token` header.
 */
function isSessionError(error: TRPCClientError<AppRouter>): boolean {
  const data = error.data as ErrorShapeData | undefined
  if (data?.code === 'UNAUTHORIZED') return data.path !== 'auth.signIn'
  return data?.code === 'FORBIDDEN' && /x-csrf-token header/.test(error.message)
}

/**
 * Returns the message to show a person for a failed call: the server's message (which words
 * input errors field by field), or `SESSION_ENDED_MESSAGE` when the session is
 * gone or unusable.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    if (isSessionError(error)) return SESSION_ENDED_MESSAGE
    // No error shape means the server was unreachable or a proxy returned a non-tRPC body.
    if (!error.data) return `No valid response from the Switchyard server (${error.message})`
    return error.message
  }
  if (error instanceof Error) return error.message
  return String(error)
}
