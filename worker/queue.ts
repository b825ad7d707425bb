import type { Env } from './env'
import { logEvent } from './lib/log'

/**
 * Routes each queue batch to the capability that owns its messages. Messages carry a `type`
 * field naming their handler.
 */
export async function handleQueueBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  executionCtx: ExecutionContext,
): Promise<void> {
  void env
  void executionCtx
  // TODO: upload and event handlers register here.
  for (const message of batch.messages) {
    logEvent('queue.unhandled_message', { queue: batch.queue, messageId: message.id })
    message.ack()
  }
}
