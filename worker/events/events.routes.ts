import { Hono } from 'hono'

import type { AppEnv } from '../env'
import { readDecodedBody } from '../lib/body'
import { decodeUtf8 } from '../lib/utf8'
import { decodeNdjsonLines, type DecodedLines, withInvalidLines } from './events.lines-utf8'
import { type BodyError, checkNdjsonBody, MAX_BODY_BYTES } from './events.ndjson'
import { ingestEvents } from './events.service'
import { segmentRoutes } from './segment.routes'

/**
 * The Natero-compatible Event API, mounted at `/v1`: `POST /v1/{authKey}/{apiKey}` with one JSON
 * event per line. Responds with `{ status_is_ok, accepted, rejected: [{ line, message }] }`.
 */
export const eventApiRoutes = new Hono<AppEnv>()

// Registered first so `/segment/track` is not read as an auth key and send key.
eventApiRoutes.route('/segment', segmentRoutes)

eventApiRoutes.post('/:authKey/:sendKey', async (c) => {
  const startedAt = Date.now()
  const request = {
    env: c.env,
    executionCtx: c.executionCtx,
    requestId: c.get('requestId'),
    method: 'POST',
    path: '/v1/{authKey}/{apiKey}',
    source: 'events' as const,
    startedAt,
    authKey: c.req.param('authKey'),
    sendKey: c.req.param('sendKey'),
  }

  // NOTE: a body sent without Content-Length (chunked) is read whole, up to the platform's request
  // limit, before the 1 MB check rejects it.
  const declared = Number(c.req.header('content-length') ?? '0')
  const encoding = c.req.header('content-encoding')?.trim().toLowerCase() ?? ''
  let body = ''
  let bodyBytes = declared
  let lines: DecodedLines | null = null
  let decodeError: BodyError | null = null
  const readText = (bytes: Uint8Array) => {
    const text = decodeUtf8(bytes)
    if (text.ok) body = text.text
    else lines = decodeNdjsonLines(bytes)
    bodyBytes = bytes.byteLength
  }
  if (encoding !== '' && encoding !== 'identity') {
    const read = await readDecodedBody(c.req.raw, MAX_BODY_BYTES)
    if (read.ok) readText(read.bytes)
    else decodeError = { httpStatus: read.httpStatus, message: read.message }
  } else if (declared <= MAX_BODY_BYTES) {
    readText(new Uint8Array(await c.req.arrayBuffer()))
  }

  const result = await ingestEvents(request, (now) => {
    if (decodeError) return decodeError
    return lines
      ? withInvalidLines(checkNdjsonBody(lines.text, bodyBytes, now), lines)
      : checkNdjsonBody(body, bodyBytes, now)
  })
  return c.json(result.body, result.httpStatus as 200)
})
