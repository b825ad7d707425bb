import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'

import { randomBytes } from '../lib/ids'

/** Start of every Account API key, so scanners and people can recognize a leaked key. */
export const API_KEY_PREFIX = 'sya_'

/** Random bytes per key: 160 bits, written as 32 base32 characters. */
const API_KEY_RANDOM_BYTES = 20

/** Length of a whole key: the prefix plus 32 base32 characters. */
export const API_KEY_LENGTH = 36

/** Characters of a key kept in clear and shown in lists, prefix included. */
export const API_KEY_VISIBLE_PREFIX_LENGTH = 8

const API_KEY_PATTERN = /^sya_[a-z2-7]{32}$/

/** Generates a new whole Account API key such as `sya_k3j…` (36 characters). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + encodeBase32LowerCaseNoPadding(randomBytes(API_KEY_RANDOM_BYTES))
}

/** Returns whether `key` has the shape of an Account API key. Needs no database lookup. */
export function isWellFormedApiKey(key: string): boolean {
  return API_KEY_PATTERN.test(key)
}

/** Returns the part of a key that lists and logs may show. */
export function visiblePrefixOf(key: string): string {
  return key.slice(0, API_KEY_VISIBLE_PREFIX_LENGTH)
}

/** Sentence naming the three ways a client may send its key. */
export const HOW_TO_SEND_API_KEY =
  'Send the Account API key as the query parameter ?api_key=<key>, as HTTP Basic auth with ' +
  'user name "api" and the key as password, or as the header "Authorization: Bearer <key>".'

/** Formats epoch milliseconds as an ISO 8601 UTC time without milliseconds. */
export function formatTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Explains why a key of the wrong shape was rejected, without echoing the key itself. */
export function describeMalformedKey(key: string): string {
  const problems: string[] = []
  if (!key.startsWith(API_KEY_PREFIX)) problems.push(`does not start with "${API_KEY_PREFIX}"`)
  if (key.length !== API_KEY_LENGTH) problems.push(`has ${key.length} characters`)
  if (problems.length === 0) problems.push('contains characters other than a-z and 2-7')
  return (
    `Invalid Account API key: keys are "${API_KEY_PREFIX}" followed by 32 characters from a-z ` +
    `and 2-7 (${API_KEY_LENGTH} in all), but the key sent ${problems.join(' and ')}. Copy the ` +
    `whole key, or create a new key in Source overview. ${HOW_TO_SEND_API_KEY}`
  )
}
