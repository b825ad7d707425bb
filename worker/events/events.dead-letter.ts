import type { Env } from '../env'
import { logError, logEvent } from '../lib/log'
import { appendQueuedCalls } from '../status-log/status-log.client'
import type { EventsBatchMessage } from './events.queue'

/** R2 key prefix of an org's dead-lettered event messages. */
function orgPrefix(orgId: string): string {
  return `dead-letter/events/${orgId}/`
}

/** R2 key of one dead-lettered message: `dead-letter/events/<orgId>/<UTC date>/<messageId>.json`. */
export function deadLetterKey(orgId: string, at: Date, messageId: string): string {
  return `${orgPrefix(orgId)}${at.toISOString().slice(0, 10)}/${messageId}.json`
}

/** Maximum number of stored messages one `replayDeadLetters` call re-enqueues. */
export const REPLAY_MAX_MESSAGES = 100

/** Dead-lettered events of one org still in R2. */
export interface DeadLetterSummary {
  messages: number
  events: number
}

/**
 * Logs the status entry that a dead-lettered message carries and returns the body without it.
 * When the log fails again, the entry stays in the body so that a replay logs it. The log skips
 * the entry if a copy was logged before.
 */
async function withoutLoggedCall(body: EventsBatchMessage, env: Env): Promise<EventsBatchMessage> {
  if (!body.call) return body
  if (!(await appendQueuedCalls(env, body.orgId, [body.call]))) return body
  const { call: _logged, ...events } = body
  return events
}

/**
 * Stores `events.batch` messages that used up their retries in R2 before acking them, so their
 * events can be replayed. A message whose write fails is retried on the dead-letter queue.
 * NOTE: the dead-letter queue has no queue behind it, so a message whose R2 write fails on all
 * of its `max_retries` deliveries is dropped, with an `events.dead_letter_write_failed` error each time.
 */
export async function storeEventDeadLetters(
  messages: readonly Message<EventsBatchMessage>[],
  env: Env,
): Promise<void> {
  for (const message of messages) {
    const { orgId, sourceId, lines } = message.body
    const key = deadLetterKey(orgId, new Date(), message.id)
    try {
      const body = await withoutLoggedCall(message.body, env)
      await env.UPLOADS.put(key, JSON.stringify(body), {
        httpMetadata: { contentType: 'application/json' },
        customMetadata: { orgId, sourceId, events: String(lines.length) },
      })
      logError('events.dead_lettered', new Error('Events could not be stored after all retries'), {
        orgId,
        sourceId,
        count: lines.length,
        messageId: message.id,
        key,
      })
      message.ack()
    } catch (error) {
      logError('events.dead_letter_write_failed', error, {
        orgId,
        sourceId,
        count: lines.length,
        messageId: message.id,
      })
      message.retry({ delaySeconds: Math.min(60, 5 * message.attempts) })
    }
  }
}

async function listOrgDeadLetters(bucket: R2Bucket, orgId: string, limit?: number) {
  const objects: R2Object[] = []
  let cursor: string | undefined
  do {
    const page = await bucket.list({
      prefix: orgPrefix(orgId),
      cursor,
      limit: limit === undefined ? 1000 : Math.min(1000, limit - objects.length),
      include: ['customMetadata'],
    })
    objects.push(...page.objects)
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor !== undefined && (limit === undefined || objects.length < limit))
  return objects
}

/** Counts the org's dead-lettered messages and the events in them. */
export async function deadLetterSummary(
  bucket: R2Bucket,
  orgId: string,
): Promise<DeadLetterSummary> {
  const objects = await listOrgDeadLetters(bucket, orgId)
  let events = 0
  for (const object of objects) events += Number(object.customMetadata?.events ?? 0)
  return { messages: objects.length, events }
}

/**
 * Re-enqueues up to REPLAY_MAX_MESSAGES of the org's dead-lettered messages and deletes each
 * object once the queue has taken it. Replaying is safe to repeat: the consumer stores each
 * event once, keyed by its content hash, so an event that was stored before never counts twice.
 */
export async function replayDeadLetters(
  env: Env,
  orgId: string,
): Promise<{ replayedMessages: number; replayedEvents: number; remaining: DeadLetterSummary }> {
  const objects = await listOrgDeadLetters(env.UPLOADS, orgId, REPLAY_MAX_MESSAGES)
  let replayedMessages = 0
  let replayedEvents = 0
  for (const object of objects) {
    const stored = await env.UPLOADS.get(object.key)
    if (stored === null) continue
    const body = await stored.json<EventsBatchMessage>()
    // Keys carry the org id, but the body is checked too so a misplaced object cannot cross orgs.
    if (body.type !== 'events.batch' || body.orgId !== orgId) {
      logError('events.dead_letter_invalid', new Error('Stored body does not match its key'), {
        orgId,
        key: object.key,
      })
      continue
    }
    // A body still carrying its status entry was stored when the log could not take it.
    await env.EVENTS.send(body)
    await env.UPLOADS.delete(object.key)
    replayedMessages += 1
    replayedEvents += body.lines.length
  }
  logEvent('events.dead_letters_replayed', {
    orgId,
    messages: replayedMessages,
    events: replayedEvents,
  })
  return {
    replayedMessages,
    replayedEvents,
    remaining: await deadLetterSummary(env.UPLOADS, orgId),
  }
}
