import { createTRPCClient, httpBatchLink } from '@trpc/client'

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
