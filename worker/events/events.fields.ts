import { storeEventBatch } from './events.consumer'
import { checkEventObjects } from './events.ndjson'
import { ACTIONS } from './events.validate'
import { HOUR_MS } from './usage.rollup'

/** One field as CSV templates describe it; the same shape as the Account API's `entityFields`. */
export interface EventFieldSpec {
  name: string
  required: boolean
  /** JSON type: string, integer, number or object. */
  type: string
  /** `epoch-ms` for timestamps, otherwise null. */
  format: string | null
  example: unknown
  description: string
}

/** Lists the fields every event has. `now` dates the example, which must be in the accepted window. */
function commonFields(now: number): EventFieldSpec[] {
  const exampleTime = now - (now % HOUR_MS) - HOUR_MS
  return [
    field('account_id', true, 'string', 'acc_1001', 'Account the user acted for.'),
    field('user_id', true, 'string', 'user_42', 'User who acted.'),
    {
      ...field('created_at', true, 'integer', exampleTime, 'When the event happened.'),
      format: 'epoch-ms',
      description:
        'When the event happened, epoch milliseconds; at most 30 days old, 1 hour ahead.',
    },
    field(
      'session_id',
      true,
      'string',
      'sess_9f2',
      'Session of the user; a 30-minute gap ends it.',
    ),
    field('action', true, 'string', 'feature', `One of ${Object.keys(ACTIONS).join(', ')}.`),
  ]
}

function field(
  name: string,
  required: boolean,
  type: string,
  example: unknown,
  description: string,
): EventFieldSpec {
  return { name, required, type, format: null, example, description }
}

const extraExamples: Record<string, unknown> = {
  feature: 'export_report',
  module: 'reports',
  product: 'web',
  total: 1,
  time_spent: 120,
  active_duration: 300,
  details: { plan: 'pro' },
}

/** Names the actions that require and that accept `name`, from the validator's action table. */
function describeExtra(name: string): string {
  const requiring = Object.keys(ACTIONS).filter((action) => name in ACTIONS[action]!.required)
  const accepting = Object.keys(ACTIONS).filter((action) => name in ACTIONS[action]!.optional)
  const parts = []
  if (requiring.length > 0) parts.push(`required by ${requiring.join(', ')}`)
  if (accepting.length > 0) parts.push(`optional for ${accepting.join(', ')}`)
  return `${parts.join('; ')}.`
}

/**
 * Lists the event fields for CSV templates, built from the table the validator checks against.
 * The `created_at` example is the start of the previous UTC hour at `now`.
 */
export function eventFields(now = Date.now()): EventFieldSpec[] {
  const extras = new Map<string, string>()
  for (const spec of Object.values(ACTIONS)) {
    for (const [name, type] of Object.entries({ ...spec.required, ...spec.optional })) {
      extras.set(name, type)
    }
  }
  const extraFields = [...extras].map(([name, type]) =>
    field(name, false, type, extraExamples[name] ?? null, describeExtra(name)),
  )
  return [...commonFields(now), ...extraFields]
}

/**
 * Validates and stores events that arrive as records rather than over the Event API, such as
 * CSV upload rows. Records are stored at once, not queued, because the caller already runs in a
 * queue consumer. `index` in failures is the 0-based position in `records`.
 */
export async function writeEventRecords(
  db: D1Database,
  orgId: string,
  sourceId: string,
  records: unknown[],
): Promise<{ written: number; failed: { index: number; id: string | null; message: string }[] }> {
  const receivedAt = Date.now()
  const checked = checkEventObjects(records, receivedAt)
  if ('httpStatus' in checked) {
    const failed = records.map((_, index) => ({ index, id: null, message: checked.message }))
    return { written: 0, failed }
  }
  if (checked.accepted.length > 0) {
    const lines = checked.accepted.map((line) => line.text)
    await storeEventBatch(db, { type: 'events.batch', orgId, sourceId, receivedAt, lines })
  }
  return {
    written: checked.accepted.length,
    failed: checked.rejected.map((line) => ({
      index: line.line - 1,
      id: line.id,
      message: line.message,
    })),
  }
}
