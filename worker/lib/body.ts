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
  const bytes = await collect(request.body, maxBytes)
  return bytes ? { ok: true, bytes } : { ok: false, tooLarge: true }
}

/** Reads `stream` whole, or returns null and cancels it once it passes `maxBytes`. */
async function collect(stream: ReadableStream<Uint8Array>, maxBytes: number) {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel()
      return null
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/** The body bytes after any gzip decoding, or the HTTP status and message of the failure. */
export type DecodedBody =
  { ok: true; bytes: Uint8Array } | { ok: false; httpStatus: 400 | 413 | 415; message: string }

/**
 * Reads `request`'s body as `readLimitedBody` does, decompressing it first when it is sent with
 * `Content-Encoding: gzip`. `maxBytes` bounds the decompressed size as well, so a small
 * compressed body cannot expand without limit. Other encodings are rejected with 415.
 */
export async function readDecodedBody(request: Request, maxBytes: number): Promise<DecodedBody> {
  const encoding = (request.headers.get('content-encoding') ?? '').trim().toLowerCase()
  const tooLarge = (subject: string) => ({
    ok: false as const,
    httpStatus: 413 as const,
    message: `${subject} is more than ${maxBytes} bytes, the maximum: split it into several requests.`,
  })
  if (encoding === '' || encoding === 'identity') {
    const read = await readLimitedBody(request, maxBytes)
    return read.ok ? read : tooLarge('Body')
  }
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    return {
      ok: false,
      httpStatus: 415,
      message: `Content-Encoding ${encoding.slice(0, 40)} is not supported: send the body uncompressed or with Content-Encoding: gzip.`,
    }
  }
  const read = await readLimitedBody(request, maxBytes)
  if (!read.ok) return tooLarge('Compressed body')
  try {
    const compressed = read.bytes as Uint8Array<ArrayBuffer>
    const source = new Response(compressed).body!.pipeThrough(new DecompressionStream('gzip'))
    const bytes = await collect(source, maxBytes)
    return bytes ? { ok: true, bytes } : tooLarge('Body after gzip decompression')
  } catch {
    return {
      ok: false,
      httpStatus: 400,
      message:
        'Body is not valid gzip data although Content-Encoding is gzip: compress it again or send it uncompressed.',
    }
  }
}
