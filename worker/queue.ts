import type { Env } from './env'
import { logEvent } from './lib/log'
import {
  handleUploadDeadLetters,
  handleUploadMessages,
  isUploadMessage,
  type UploadMessage,
} from './uploads/uploads.queue'

const DEAD_LETTER_QUEUE = 'switchyard-jobs-dlq'

/**
 * Routes each queue batch to the capability that owns its messages. Messages carry a `type`
 * field naming their handler.
 */
export async function handleQueueBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  executionCtx: ExecutionContext,
): Promise<void> {
  const uploads: Message<UploadMessage>[] = []
  for (const message of batch.messages) {
    if (isUploadMessage(message.body)) {
      uploads.push(message as Message<UploadMessage>)
      continue
    }
    logEvent('queue.unhandled_message', { queue: batch.queue, messageId: message.id })
    message.ack()
  }
  if (uploads.length > 0) {
    if (batch.queue === DEAD_LETTER_QUEUE) await handleUploadDeadLetters(uploads, env, executionCtx)
    else await handleUploadMessages(uploads, env, executionCtx)
  }
}
