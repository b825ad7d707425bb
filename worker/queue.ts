import type { Env } from './env'
import { handleEventMessages } from './events/events.consumer'
import { storeEventDeadLetters } from './events/events.dead-letter'
import type { EventsBatchMessage } from './events/events.queue'
import { logEvent } from './lib/log'
import {
  handleUploadDeadLetters,
  handleUploadMessages,
  isUploadMessage,
  type UploadMessage,
} from './uploads/uploads.queue'

/** Queue that receives JOBS and EVENTS messages which used up their retries (`dead_letter_queue`). */
const DEAD_LETTER_QUEUE = 'switchyard-jobs-dlq'

function typeOf(message: Message<unknown>): string | null {
  const body = message.body as { type?: unknown } | null
  return typeof body?.type === 'string' ? body.type : null
}

/**
 * Routes each queue batch to the capability that owns its messages. Messages carry a `type`
 * field naming their handler. Batches from the dead-letter queue go to each capability's
 * dead-letter handler, which keeps the messages instead of processing them again.
 */
export async function handleQueueBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  executionCtx: ExecutionContext,
): Promise<void> {
  const deadLetters = batch.queue === DEAD_LETTER_QUEUE
  const uploads: Message<UploadMessage>[] = []
  const eventMessages: Message<EventsBatchMessage>[] = []
  for (const message of batch.messages) {
    if (isUploadMessage(message.body)) {
      uploads.push(message as Message<UploadMessage>)
      continue
    }
    if (typeOf(message) === 'events.batch') {
      eventMessages.push(message as Message<EventsBatchMessage>)
      continue
    }
    logEvent('queue.unhandled_message', { queue: batch.queue, messageId: message.id })
    message.ack()
  }
  if (uploads.length > 0) {
    if (deadLetters) await handleUploadDeadLetters(uploads, env, executionCtx)
    else await handleUploadMessages(uploads, env, executionCtx)
  }
  if (eventMessages.length > 0) {
    if (deadLetters) await storeEventDeadLetters(eventMessages, env)
    else await handleEventMessages(eventMessages, env)
  }
}
