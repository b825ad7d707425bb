import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'

/** Returns `bytes` random bytes from the platform's CSPRNG. */
export function randomBytes(bytes: number): Uint8Array {
  const buffer = new Uint8Array(bytes)
  crypto.getRandomValues(buffer)
  return buffer
}

/** Creates a random, URL-safe identifier such as `org_k3j…` with 80 bits of entropy. */
export function createId(prefix: string): string {
  return `${prefix}_${encodeBase32LowerCaseNoPadding(randomBytes(10))}`
}
