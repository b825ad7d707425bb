import type { Hono } from 'hono'

import type { ApiKeyEnv } from '../keys/require-api-key'

/** Every Account API path and the methods it serves, in the order `Allow` lists them. */
const allowedMethods: [path: string, methods: string[]][] = [
  ['/accounts', ['GET', 'POST']],
  ['/accounts/:account_id', ['GET', 'PUT', 'DELETE']],
  ['/accounts/:account_id/users', ['GET']],
  ['/accounts/:account_id/contacts', ['GET']],
  ['/accounts/:account_id/dimension_labels/:key', ['DELETE']],
  ['/accounts/:account_id/dimension_values/:key', ['DELETE']],
  ...['/account_users', '/account_contacts'].flatMap((base): [string, string[]][] => [
    [base, ['GET', 'POST']],
    [`${base}/:user_id`, ['GET', 'PUT', 'DELETE']],
    [`${base}/:user_id/:account_id`, ['GET', 'PUT', 'DELETE']],
  ]),
]

function listMethods(methods: string[]): string {
  if (methods.length === 1) return methods[0] ?? ''
  return `${methods.slice(0, -1).join(', ')} or ${methods.at(-1)}`
}

/**
 * Responds to a method that a known path does not serve with 405, an `Allow` header and the wire envelope.
 * Register after the real routes so they match first.
 */
export function addMethodNotAllowed(app: Hono<ApiKeyEnv>): void {
  for (const [path, methods] of allowedMethods) {
    app.all(path, (c) => {
      const hint =
        c.req.method === 'PATCH' && methods.includes('PUT')
          ? '; to change fields, send PUT with {"data": {...}}'
          : ''
      const message = `Method ${c.req.method} is not allowed on ${c.req.path}. Use ${listMethods(methods)}${hint}.`
      c.header('allow', methods.join(', '))
      return c.json({ status_is_ok: false, message }, 405)
    })
  }
}
