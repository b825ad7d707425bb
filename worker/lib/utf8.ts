/** Strict UTF-8 decoding for request bodies: invalid bytes are reported, never replaced. */

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** The decoded text, or the offset of the first byte that is not valid UTF-8. */
export type Utf8Result = { ok: true; text: string } | { ok: false; offset: number }

/** Decodes `bytes` as UTF-8, rejecting invalid sequences instead of replacing them with U+FFFD. */
export function decodeUtf8(bytes: ArrayBuffer | Uint8Array): Utf8Result {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  try {
    return { ok: true, text: strictDecoder.decode(view) }
  } catch {
    return { ok: false, offset: firstInvalidUtf8Offset(view) }
  }
}

/** The client-facing message for a body that is not UTF-8, naming the first bad byte. */
export function invalidUtf8Message(offset: number, what = 'UTF-8 JSON'): string {
  return `Request body is not valid UTF-8 (first invalid byte at offset ${offset}); send ${what}.`
}

/** Returns the offset of the first byte that starts an invalid UTF-8 sequence, or -1 if none. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i)
    if (length === 0) return i
    i += length
  }
  return -1
}

/** Length of the valid sequence starting at `i`, or 0 when it is invalid (RFC 3629 table). */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i] ?? 0
  if (lead < 0x80) return 1
  let length: number
  let min = 0x80
  let max = 0xbf
  if (lead >= 0xc2 && lead <= 0xdf) length = 2
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3
    if (lead === 0xe0) min = 0xa0
    if (lead === 0xed) max = 0x9f
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4
    if (lead === 0xf0) min = 0x90
    if (lead === 0xf4) max = 0x8f
  } else return 0
  for (let k = 1; k < length; k++) {
    const byte = bytes[i + k]
    if (byte === undefined) return 0
    const low = k === 1 ? min : 0x80
    const high = k === 1 ? max : 0xbf
    if (byte < low || byte > high) return 0
  }
  return length
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Returns true when `text` contains a UTF-16 surrogate without its pair, which no UTF-8 text can encode. */
export function hasLoneSurrogate(text: string): boolean {
  return loneSurrogate.test(text)
}
