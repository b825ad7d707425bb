import { sha256 } from '@oslojs/crypto/sha2'
import { encodeHexLowerCase } from '@oslojs/encoding'

/**
 * Hex SHA-256 of a high-entropy secret (session token, API key, event auth key). These secrets carry
 * 100+ random bits, so a fast hash is enough; passwords use worker/auth/password.ts instead.
 */
export function hashSecret(secret: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)))
}
