import { fetchRequestHandler } from '@trpc/server/adapters/fetch'
import { Hono } from 'hono'

import { accountApiRoutes } from './accounts/accounts.routes'
import { resolvePrincipal } from './auth/resolve'
import { createDb } from './db/client'
import { eventApiRoutes } from './events/events.routes'
import type { AppEnv } from './env'
import { createId } from './lib/ids'
import { logError } from './lib/log'
import { limitTrpcRequest, MAX_BATCH_SIZE } from './trpc/limits'
import { appRouter } from './trpc/router'
import { uploadRoutes } from './uploads/uploads.routes'

/** Cloudflare's Ray ID, such as `8f1c2d3e4f5a6b7c-SJC`. */
const RAY_ID = /^[0-9a-f]{16}-[A-Z]{3}$/

/**
 * Returns the request's Ray ID when the header contains one. Cloudflare sets the header itself,
 * but a client can send any value to a local stack, so anything else gets an id of our own.
 */
function rayIdOf(header: string | undefined): string | null {
  return header !== undefined && RAY_ID.test(header) ? header : null
}

/** Builds the Hono app that serves every API path. Static console files are served by Assets. */
export function createApp() {
  const app = new Hono<AppEnv>()

  app.use('*', async (c, next) => {
    const requestId = rayIdOf(c.req.header('cf-ray')) ?? createId('req')
    c.set('requestId', requestId)
    await next()
    c.header('x-request-id', requestId)
  })

  app.get('/api/health', (c) => c.json({ ok: true }))

  app.all('/api/trpc/*', async (c) => {
    const limited = await limitTrpcRequest(c.req.raw, '/api/trpc')
    if (limited instanceof Response) return limited
    return fetchRequestHandler({
      endpoint: '/api/trpc',
      req: limited,
      router: appRouter,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: async ({ req, resHeaders }) => {
        const db = createDb(c.env.DB)
        return {
          env: c.env,
          db,
          executionCtx: c.executionCtx,
          req,
          resHeaders,
          requestId: c.get('requestId'),
          principal: await resolvePrincipal(db, req, c.executionCtx, resHeaders),
        }
      },
      onError({ error, path }) {
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          logError('trpc.internal_error', error, { path, requestId: c.get('requestId') })
        }
      },
    })
  })

  app.route('/api/v2', accountApiRoutes)
  app.route('/api/uploads', uploadRoutes)
  app.route('/v1', eventApiRoutes)

  app.notFound((c) =>
    c.json(
      { status_is_ok: false, message: `No API route matches ${c.req.method} ${c.req.path}.` },
      404,
    ),
  )

  app.onError((error, c) => {
    logError('http.unhandled_error', error, { path: c.req.path, requestId: c.get('requestId') })
    return c.json(
      { status_is_ok: false, message: `Internal error; quote request id ${c.get('requestId')}.` },
      500,
    )
  })

  return app
}
