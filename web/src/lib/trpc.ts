import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client'
import type { inferRouterOutputs } from '@trpc/server'

import type { AppRouter } from '../../../worker/trpc/router'

/** Reads the CSRF token the server sets in a readable cookie at sign-in. */
function readCsrfToken(): string | null {
  const match = document.cookie.match(/(?:^|;\s*)sy_csrf=([^;]+)/)
  return match?.[1] ? decodeURIComponent(match[1]) : null
}

/** The typed tRPC client. Its types come from the Worker's router, never from copies. */
export const trpc = createTRPCClient<AppRouter>({
  links: [
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

interface ZodErrorData {
  formErrors?: string[]
  fieldErrors?: Record<string, string[] | undefined>
}

/**
 * Returns the message to show a person for a failed call: the server's message, or for invalid
 * input each field with what is wrong with it.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const zodError = (error.data as { zodError?: ZodErrorData | null } | undefined)?.zodError
    if (zodError) {
      const fields = Object.entries(zodError.fieldErrors ?? {}).map(
        ([field, messages]) => `${field}: ${(messages ?? []).join(', ')}`,
      )
      const parts = [...(zodError.formErrors ?? []), ...fields]
      if (parts.length > 0) return parts.join('; ')
    }
    return error.message
  }
  if (error instanceof Error) return error.message
  return String(error)
}
