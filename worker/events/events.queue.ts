import type { AcceptedLine } from './events.ndjson'

/** A queue message carrying accepted event lines of one source to the consumer. */
export interface EventsBatchMessage {
  type: 'events.batch'
  orgId: string
  sourceId: string
  receivedAt: number
  /** Accepted events, each the JSON text of one event. */
  lines: string[]
}

/**
 * Payload bytes per message. Queues cap a message at 128 KB including about 100 bytes of metadata.
 * Non-ASCII text can take 2 bytes per character in the V8 serialization, so lines are counted at
 * their UTF-8 size plus a per-string allowance and kept well below the cap.
 */
const MESSAGE_BUDGET_BYTES = 100_000

/** `sendBatch` takes at most 100 messages and 256 KB per call. */
const SEND_BATCH_MAX_MESSAGES = 100
const SEND_BATCH_BUDGET_BYTES = 240_000

const PER_LINE_OVERHEAD_BYTES = 8

/** Groups accepted lines into messages that each fit the queue's message limit. */
export function packMessages(
  orgId: string,
  sourceId: string,
  receivedAt: number,
  lines: AcceptedLine[],
): { body: EventsBatchMessage; bytes: number }[] {
  const messages: { body: EventsBatchMessage; bytes: number }[] = []
  let current: string[] = []
  let size = 0
  for (const line of lines) {
    const bytes = line.bytes * (line.bytes === line.text.length ? 1 : 2) + PER_LINE_OVERHEAD_BYTES
    if (current.length > 0 && size + bytes > MESSAGE_BUDGET_BYTES) {
      messages.push({
        body: { type: 'events.batch', orgId, sourceId, receivedAt, lines: current },
        bytes: size,
      })
      current = []
      size = 0
    }
    current.push(line.text)
    size += bytes
  }
  if (current.length > 0) {
    messages.push({
      body: { type: 'events.batch', orgId, sourceId, receivedAt, lines: current },
      bytes: size,
    })
  }
  return messages
}

/**
 * Sends accepted lines to the JOBS queue and resolves once every `sendBatch` call has, so the
 * events are durable before the caller responds. Throws when any send fails.
 */
export async function enqueueEvents(
  queue: Queue,
  orgId: string,
  sourceId: string,
  receivedAt: number,
  lines: AcceptedLine[],
): Promise<number> {
  const messages = packMessages(orgId, sourceId, receivedAt, lines)
  const calls: Promise<unknown>[] = []
  let batch: MessageSendRequest<EventsBatchMessage>[] = []
  let size = 0
  for (const message of messages) {
    const full = batch.length === SEND_BATCH_MAX_MESSAGES
    if (batch.length > 0 && (full || size + message.bytes > SEND_BATCH_BUDGET_BYTES)) {
      calls.push(queue.sendBatch(batch))
      batch = []
      size = 0
    }
    batch.push({ body: message.body })
    size += message.bytes
  }
  if (batch.length === 1) calls.push(queue.send(batch[0]!.body))
  else if (batch.length > 1) calls.push(queue.sendBatch(batch))
  await Promise.all(calls)
  return messages.length
}
