import { type BodyError, type CheckedBody, checkEventObjects } from './events.ndjson'

/**
 * Maps Segment spec calls (track, identify, group) to Natero events, so Segment-style SDKs can
 * send to the Event API. The mapping follows the Segment destination for Natero: `anonymousId`
 * is the session id unless `context.sessionId` is set, `track` events are features, `identify` carries user details and `group`
 * account details.
 */

/** Segment call types this endpoint accepts. */
export const SEGMENT_TYPES = ['track', 'identify', 'group'] as const
export type SegmentType = (typeof SEGMENT_TYPES)[number]

type Call = Record<string, unknown>

function record(value: unknown): Call {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Call) : {}
}

/**
 * Reads the call's ISO 8601 `timestamp`, `originalTimestamp` or `sentAt` as epoch ms. Returns the
 * raw value when it does not parse, so the created_at rule names it.
 */
function createdAtOf(call: Call, now: number): unknown {
  const stamp = call.timestamp ?? call.originalTimestamp ?? call.sentAt
  if (stamp === undefined) return now
  if (typeof stamp !== 'string') return stamp
  const parsed = Date.parse(stamp)
  return Number.isNaN(parsed) ? stamp : parsed
}

/** Finds the account: `context.groupId`, then `properties`/`traits` `account_id` or `groupId`. */
function accountIdOf(call: Call, fields: Call): unknown {
  const context = record(call.context)
  return context.groupId ?? fields.account_id ?? fields.groupId ?? call.groupId
}

/**
 * Converts one Segment call to a Natero event object, which the Event API rules then check.
 * Fields the call lacks stay missing so the rules name them.
 */
export function segmentToEvent(type: SegmentType, value: unknown, now: number): unknown {
  const call = record(value)
  const base = {
    user_id: call.userId,
    session_id: record(call.context).sessionId ?? call.anonymousId,
    created_at: createdAtOf(call, now),
  }
  if (type === 'track') {
    const properties = record(call.properties)
    return {
      ...base,
      account_id: accountIdOf(call, properties),
      action: 'feature',
      feature: call.event,
      module: properties.module,
      product: properties.product,
      total: properties.total,
    }
  }
  if (type === 'identify') {
    const traits = record(call.traits)
    return {
      ...base,
      account_id: accountIdOf(call, traits),
      action: 'identifyUser',
      details: traits,
    }
  }
  return {
    ...base,
    account_id: call.groupId,
    action: 'identifyAccount',
    details: record(call.traits),
  }
}

/**
 * Reads a Segment write key from HTTP Basic credentials. The write key is
 * `<authKey>:<sendKey>`. Segment sends it as the user name with an empty password, and
 * `curl -u authKey:sendKey` sends it split, so both decode to the same pair.
 */
export function readWriteKey(
  header: string | undefined,
): { authKey: string; sendKey: string } | null {
  if (!header?.toLowerCase().startsWith('basic ')) return null
  let decoded: string
  try {
    decoded = atob(header.slice(6).trim())
  } catch {
    return null
  }
  if (decoded.endsWith(':')) decoded = decoded.slice(0, -1)
  const separator = decoded.indexOf(':')
  if (separator <= 0) return null
  return { authKey: decoded.slice(0, separator), sendKey: decoded.slice(separator + 1) }
}

/** The Segment fields each required Natero field is read from, by call type. */
const SEGMENT_SOURCES: Record<string, Record<SegmentType, string>> = {
  session_id: {
    track: 'anonymousId, or context.sessionId',
    identify: 'anonymousId, or context.sessionId',
    group: 'anonymousId, or context.sessionId',
  },
  user_id: { track: 'userId', identify: 'userId', group: 'userId' },
  account_id: {
    track: 'context.groupId, or account_id in properties',
    identify: 'context.groupId, or account_id in traits',
    group: 'groupId',
  },
}

/** Rewords a missing-field message to name the Segment field the value is read from. */
function inSegmentTerms(type: SegmentType, message: string): string {
  const missing = /^Missing required field (\w+):/.exec(message)
  const from = missing ? SEGMENT_SOURCES[missing[1] as string]?.[type] : undefined
  return from ? `Missing required field ${missing![1]}: send ${from}.` : message
}

/**
 * Checks Segment calls by the Event API rules, numbering them from 1. A call whose `type` is not
 * track, identify or group (in a batch) is rejected by name.
 */
export function checkSegmentCalls(
  calls: { type: unknown; value: unknown }[],
  now: number,
): CheckedBody | BodyError {
  const events = calls.map(({ type, value }) =>
    SEGMENT_TYPES.includes(type as SegmentType)
      ? segmentToEvent(type as SegmentType, value, now)
      : null,
  )
  const checked = checkEventObjects(events, now)
  if ('httpStatus' in checked) return checked
  for (const rejected of checked.rejected) {
    const type = calls[rejected.line - 1]?.type
    if (events[rejected.line - 1] === null) {
      rejected.message = `Unsupported Segment call type ${JSON.stringify(type)}: send track, identify or group.`
    } else {
      rejected.message = inSegmentTerms(type as SegmentType, rejected.message)
    }
  }
  return checked
}
