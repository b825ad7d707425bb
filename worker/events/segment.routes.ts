import { Hono } from 'hono'

import type { AppEnv } from '../env'
import { decodeUtf8, invalidUtf8Message } from '../lib/utf8'
import { MAX_BODY_BYTES } from './events.ndjson'
import { ingestEvents, type IngestRequest } from './events.service'
import { checkSegmentCalls, readWriteKey } from './segment.map'

function bodyError(httpStatus: 400 | 413, message: string) {
  return { httpStatus, message }
}

/** Reads the calls of a Segment request: one call, or `{ batch: [...] }` for `/batch`. */
function callsOf(type: string, body: unknown): { type: unknown; value: unknown }[] | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'Body must be one JSON object, as the Segment HTTP API sends it.'
  }
  if (type !== 'batch') return [{ type, value: body }]
  const batch = (body as { batch?: unknown }).batch
  if (!Array.isArray(batch)) return 'Missing batch: send { "batch": [ ...calls ] }.'
  if (batch.length === 0) return 'Empty batch: send at least one call in "batch".'
  return batch.map((value: unknown) => ({
    type: (value as { type?: unknown } | null)?.type,
    value,
  }))
}

/**
 * Segment-style endpoints under `/v1/segment`: `track`, `identify`, `group` and `batch`, with the
 * write key `<authKey>:<sendKey>` as HTTP Basic credentials. Calls become Natero events and go
 * through the same ingestion as `POST /v1/{authKey}/{apiKey}`.
 */
export const segmentRoutes = new Hono<AppEnv>()

segmentRoutes.post('/:type{track|identify|group|batch}', async (c) => {
  const type = c.req.param('type')
  const writeKey = readWriteKey(c.req.header('authorization'))
  if (!writeKey) {
    const message = 'Missing write key: send HTTP Basic credentials <authKey>:<sendKey>.'
    return c.json({ status_is_ok: false, accepted: 0, rejected: [], message }, 401)
  }
  const request: IngestRequest = {
    env: c.env,
    executionCtx: c.executionCtx,
    requestId: c.get('requestId'),
    method: 'POST',
    path: `/v1/segment/${type}`,
    source: 'events',
    startedAt: Date.now(),
    ...writeKey,
  }

  const buffer = await c.req.arrayBuffer()
  const result = await ingestEvents(request, (now) => {
    if (buffer.byteLength > MAX_BODY_BYTES) {
      return bodyError(
        413,
        `Body is ${buffer.byteLength} bytes; the maximum is ${MAX_BODY_BYTES}. Split the batch.`,
      )
    }
    const text = decodeUtf8(buffer)
    if (!text.ok) return bodyError(400, invalidUtf8Message(text.offset))
    let body: unknown
    try {
      body = JSON.parse(text.text)
    } catch {
      return bodyError(400, 'Invalid JSON body: send one JSON object.')
    }
    const calls = callsOf(type, body)
    return typeof calls === 'string' ? bodyError(400, calls) : checkSegmentCalls(calls, now)
  })
  return c.json(result.body, result.httpStatus as 200)
})

// Any other Segment call, such as page, screen or alias, would otherwise reach
// `/v1/{authKey}/{sendKey}` with "segment" as the auth key and be rejected as a bad key.
segmentRoutes.post('/:type', (c) => {
  const type = c.req.param('type').slice(0, 40)
  const message = `Unsupported Segment call ${type}: send track, identify, group or batch.`
  return c.json({ status_is_ok: false, accepted: 0, rejected: [], message }, 400)
})
