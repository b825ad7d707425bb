import { MAX_BODY_BYTES, TOO_LARGE_MESSAGE } from '../accounts/accounts.http'
import { readLimitedBody } from '../lib/body'
import { logEvent } from '../lib/log'

/** Maximum procedures one batched tRPC request may call. */
export const MAX_BATCH_SIZE = 20

/** A tRPC-shaped error response, which the tRPC client turns into a TRPCClientError. */
function trpcError(httpStatus: 400 | 413, code: string, message: string): Response {
  logEvent('trpc.request_rejected', { httpStatus, code })
  const jsonRpcCode = httpStatus === 413 ? -32013 : -32600
  const body = { error: { message, code: jsonRpcCode, data: { code, httpStatus } } }
  return Response.json(body, { status: httpStatus })
}

/**
 * Applies the Account API's limits to a tRPC request before tRPC reads it: at most
 * `MAX_BATCH_SIZE` procedures per batch and a body of at most `MAX_BODY_BYTES`, counted as it
 * streams so a chunked body cannot pass. Returns the request to hand on, or the rejection.
 */
export async function limitTrpcRequest(
  req: Request,
  endpoint: string,
): Promise<Request | Response> {
  const url = new URL(req.url)
  if (url.searchParams.get('batch') === '1') {
    const paths = url.pathname.slice(endpoint.length + 1).split(',')
    if (paths.length > MAX_BATCH_SIZE) {
      const message = `A batch may call at most ${MAX_BATCH_SIZE} procedures, got ${paths.length}. Split the calls into several batches.`
      return trpcError(400, 'BAD_REQUEST', message)
    }
  }
  if (!req.body) return req

  const read = await readLimitedBody(req, MAX_BODY_BYTES)
  if (!read.ok) return trpcError(413, 'PAYLOAD_TOO_LARGE', TOO_LARGE_MESSAGE)
  return new Request(req, { body: read.bytes })
}
