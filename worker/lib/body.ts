/** Reading request bodies under a byte limit, whether or not the client declared a length. */

/** The body bytes, or `tooLarge` when the declared or counted length passed the limit. */
export type LimitedBody = { ok: true; bytes: Uint8Array } | { ok: false; tooLarge: true }

/**
 * Reads `request`'s body, stopping as soon as it passes `maxBytes`. A declared Content-Length over
 * the limit is rejected before reading. A chunked body is counted as it streams in and cancelled.
 */
export async function readLimitedBody(request: Request, maxBytes: number): Promise<LimitedBody> {
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (declared > maxBytes) return { ok: false, tooLarge: true }
  if (!request.body) return { ok: true, bytes: new Uint8Array(0) }

  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel()
      return { ok: false, tooLarge: true }
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return { ok: true, bytes }
}
