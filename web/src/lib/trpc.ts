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
 * Returns the message to show a person for a failed call. The server words every message for
 * people, input errors included (each field with what is wrong with it), so this is its message.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message
  if (error instanceof Error) return error.message
  return String(error)
}
