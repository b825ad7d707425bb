import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { decodeBase64, encodeBase64 } from '@oslojs/encoding'

import { randomBytes } from '../lib/ids'

/**
 * PBKDF2-HMAC-SHA256 iteration count. 100,000 is the most the Workers runtime allows; WebCrypto
 * there rejects higher counts with a NotSupportedError.
 */
export const PBKDF2_ITERATIONS = 100_000

/** Salt length in bytes. */
export const SALT_BYTES = 16

/** Derived key length in bytes (one SHA-256 block). */
export const HASH_BYTES = 32

const SCHEME = 'pbkdf2-sha256'

async function deriveKey(password: string, salt: Uint8Array, iterations: number) {
  const material = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(password),
    'PBKDF2',
    false,
    ['deriveBits'],
  )
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(salt), iterations },
    material,
    HASH_BYTES * 8,
  )
  return new Uint8Array(bits)
}

/**
 * Hashes a password with PBKDF2-HMAC-SHA256 (100,000 iterations, 16-byte random salt, 32-byte key)
 * and returns `pbkdf2-sha256$100000$<salt base64>$<hash base64>`. scripts/seed.mjs writes the same
 * format with node:crypto.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const hash = await deriveKey(password, salt, PBKDF2_ITERATIONS)
  return `${SCHEME}$${PBKDF2_ITERATIONS}$${encodeBase64(salt)}$${encodeBase64(hash)}`
}

/**
 * Checks `password` against a stored hash, comparing the derived keys in constant time. Returns
 * false for a stored value not in the format `hashPassword` writes, so a malformed row cannot
 * sign in.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 4 || parts[0] !== SCHEME) return false

  const iterations = Number(parts[1])
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS) {
    return false
  }

  let salt: Uint8Array
  let expected: Uint8Array
  try {
    salt = decodeBase64(parts[2] ?? '')
    expected = decodeBase64(parts[3] ?? '')
  } catch {
    return false
  }
  if (expected.length !== HASH_BYTES) return false

  const actual = await deriveKey(password, salt, iterations)
  return constantTimeEqual(actual, expected)
}
