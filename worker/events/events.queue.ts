import type { QueuedCallRecord } from '../status-log/status-log.types'
import type { AcceptedLine } from './events.ndjson'

/** A queue message carrying accepted event lines of one source to the consumer. */
export interface EventsBatchMessage {
  type: 'events.batch'
  orgId: string
  sourceId: string
  receivedAt: number
  /** Accepted events, each the JSON text of one event. Empty in a message that only logs a call. */
  lines: string[]
  /**
   * The ingestion request's API status entry, on the last message of the request. A dead-lettered
   * message keeps it only when the log could not take it then, so a replay logs it.
   */
  call?: QueuedCallRecord
}

/** The accepted lines and status entry of one ingestion request, to be queued. */
export interface EventsToQueue {
  orgId: string
  sourceId: string
  receivedAt: number
  lines: AcceptedLine[]
  call: QueuedCallRecord
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

/** Bytes a string may take in a message: V8 may store non-ASCII text at 2 bytes per character. */
function messageBytes(text: string): number {
  return text.length * 2 + PER_LINE_OVERHEAD_BYTES
}

/**
 * Groups accepted lines into messages that each fit the queue's message limit, and puts the call
 * record on the last one, or on a message of its own when it does not fit there. The record's
 * failed records are bounded by `toCallRecord`, so it always fits a message of its own.
 */
export function packMessages(batch: EventsToQueue): { body: EventsBatchMessage; bytes: number }[] {
  const { orgId, sourceId, receivedAt } = batch
  const messages: { body: EventsBatchMessage; bytes: number }[] = []
  let current: string[] = []
  let size = 0
  const close = () => {
    messages.push({
      body: { type: 'events.batch', orgId, sourceId, receivedAt, lines: current },
      bytes: size,
    })
    current = []
    size = 0
  }
  for (const line of batch.lines) {
    const bytes = line.bytes * (line.bytes === line.text.length ? 1 : 2) + PER_LINE_OVERHEAD_BYTES
    if (current.length > 0 && size + bytes > MESSAGE_BUDGET_BYTES) close()
    current.push(line.text)
    size += bytes
  }
  if (current.length > 0) close()

  const { call } = batch
  const callBytes = messageBytes(JSON.stringify(call))
  const last = messages.at(-1)
  if (last && last.bytes + callBytes <= MESSAGE_BUDGET_BYTES) {
    last.body.call = call
    last.bytes += callBytes
  } else {
    close()
    const own = messages.at(-1)!
    own.body.call = call
    own.bytes = callBytes
  }
  return messages
}

/**
 * Sends a request's accepted lines and its status entry to the EVENTS queue and resolves once
 * every `sendBatch` call has, so both are durable before the caller responds. Throws when any
 * send fails.
 */
export async function enqueueEvents(queue: Queue, batch: EventsToQueue): Promise<number> {
  const messages = packMessages(batch)
  const calls: Promise<unknown>[] = []
  let pending: MessageSendRequest<EventsBatchMessage>[] = []
  let size = 0
  for (const message of messages) {
    const full = pending.length === SEND_BATCH_MAX_MESSAGES
    if (pending.length > 0 && (full || size + message.bytes > SEND_BATCH_BUDGET_BYTES)) {
      calls.push(queue.sendBatch(pending))
      pending = []
      size = 0
    }
    pending.push({ body: message.body })
    size += message.bytes
  }
  if (pending.length === 1) calls.push(queue.send(pending[0]!.body))
  else if (pending.length > 1) calls.push(queue.sendBatch(pending))
  await Promise.all(calls)
  return messages.length
}
