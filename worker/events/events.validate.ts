/**
 * Rules for one usage event, checked by hand rather than by zod because every event of every
 * request passes through here on the ingestion hot path.
 */

/** Oldest accepted `created_at`: 30 days before the request, in ms. */
export const MAX_EVENT_AGE_MS = 30 * 24 * 3600_000

/** Latest accepted `created_at`: 1 hour after the request (clock skew), in ms. */
export const MAX_EVENT_LEAD_MS = 3600_000

/** Longest accepted string in an id or name field, in characters. */
export const MAX_ID_LENGTH = 256

type FieldType = 'string' | 'number' | 'object'

interface ActionSpec {
  required: Record<string, FieldType>
  optional: Record<string, FieldType>
}

/**
 * The actions Natero's Event API and browser library send, with their extra fields.
 * NOTE: the field names come from public Natero clients, which do not say which extras each
 * action requires or in what unit `time_spent` and `active_duration` are. The required sets are
 * our choice, and the durations are stored as sent without being summed into rollups.
 */
export const ACTIONS: Record<string, ActionSpec> = {
  feature: {
    required: { feature: 'string' },
    optional: { module: 'string', product: 'string', total: 'number' },
  },
  moduleEnd: {
    required: { module: 'string', time_spent: 'number' },
    optional: { product: 'string' },
  },
  sessionSync: { required: { active_duration: 'number' }, optional: {} },
  identifyUser: { required: { details: 'object' }, optional: {} },
  identifyAccount: { required: { details: 'object' }, optional: {} },
  sessionIdle: { required: {}, optional: { module: 'string' } },
  pageViewEnd: { required: {}, optional: { module: 'string', time_spent: 'number' } },
}

const ACTION_NAMES = Object.keys(ACTIONS).join(', ')

/** Each action's field rules as [field, type] pairs, listed once rather than for every event. */
const FIELD_RULES = new Map(
  Object.entries(ACTIONS).map(([action, spec]) => [
    action,
    { required: Object.entries(spec.required), optional: Object.entries(spec.optional) },
  ]),
)

/** An event that passed every rule, with its ids as strings. */
export interface ValidEvent {
  accountId: string
  userId: string
  createdAt: number
  sessionId: string
  action: string
  feature: string | null
  module: string | null
  product: string | null
}

/** Longest quoted value in a message, in characters; a rejected value can be 32 KB long. */
const QUOTE_MAX = 80

/** Returns the value as JSON for a message, clipped to QUOTE_MAX characters. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length <= QUOTE_MAX ? text : `${text.slice(0, QUOTE_MAX - 1)}…`
}

function readId(event: Record<string, unknown>, field: string): string | { error: string } {
  const value = event[field]
  if (value === undefined || value === null || value === '') {
    return { error: `Missing required field ${field}: send it as a non-empty string.` }
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value !== 'string') {
    return { error: `Invalid ${field} ${quote(value)}: send a string.` }
  }
  if (value.length > MAX_ID_LENGTH) {
    return {
      error: `Invalid ${field}: ${value.length} characters, the maximum is ${MAX_ID_LENGTH}.`,
    }
  }
  return value
}

function checkCreatedAt(value: unknown, now: number): string | null {
  if (value === undefined || value === null) {
    return 'Missing required field created_at: send the event time as epoch milliseconds.'
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return `Invalid created_at ${quote(value)}: send an integer of epoch milliseconds.`
  }
  if (value < 100_000_000_000) {
    return `Invalid created_at ${value}: it looks like seconds; send epoch milliseconds.`
  }
  if (value < now - MAX_EVENT_AGE_MS) {
    return `Invalid created_at ${value}: events older than 30 days are rejected.`
  }
  if (value > now + MAX_EVENT_LEAD_MS) {
    return `Invalid created_at ${value}: it is more than 1 hour in the future; check the sender's clock.`
  }
  return null
}

function typeOf(value: unknown): FieldType | 'other' {
  if (typeof value === 'string') return 'string'
  if (typeof value === 'number' && Number.isFinite(value)) return 'number'
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return 'object'
  return 'other'
}

function checkActionFields(event: Record<string, unknown>, action: string): string | null {
  const rules = FIELD_RULES.get(action)
  if (!rules) {
    return `Invalid action ${quote(action)}: use one of ${ACTION_NAMES}.`
  }
  for (const [field, type] of rules.required) {
    const value = event[field]
    if (value === undefined || value === null || value === '') {
      return `Missing field ${field}, required by action ${action}: send a ${type}.`
    }
    if (typeOf(value) !== type) {
      return `Invalid ${field} ${quote(value)} for action ${action}: send a ${type}.`
    }
  }
  for (const [field, type] of rules.optional) {
    const value = event[field]
    if (value !== undefined && value !== null && typeOf(value) !== type) {
      return `Invalid ${field} ${quote(value)} for action ${action}: send a ${type} or leave it out.`
    }
  }
  return null
}

function optionalText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

/**
 * Validates one parsed event against the required fields, the time window around `now` and its
 * action's extra fields. Returns the normalized event or the first rule it breaks.
 */
export function validateEvent(value: unknown, now: number): ValidEvent | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'Invalid event: each line must be one JSON object.' }
  }
  const event = value as Record<string, unknown>
  const accountId = readId(event, 'account_id')
  if (typeof accountId !== 'string') return accountId
  const userId = readId(event, 'user_id')
  if (typeof userId !== 'string') return userId
  const createdAtError = checkCreatedAt(event.created_at, now)
  if (createdAtError) return { error: createdAtError }
  const sessionId = readId(event, 'session_id')
  if (typeof sessionId !== 'string') return sessionId
  const action = readId(event, 'action')
  if (typeof action !== 'string') return action
  const actionError = checkActionFields(event, action)
  if (actionError) return { error: actionError }

  return {
    accountId,
    userId,
    createdAt: event.created_at as number,
    sessionId,
    action,
    feature: optionalText(event.feature),
    module: optionalText(event.module),
    product: optionalText(event.product),
  }
}
