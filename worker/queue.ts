import type { Env } from './env'
import { handleEventMessages } from './events/events.consumer'
import type { EventsBatchMessage } from './events/events.queue'
import { logEvent } from './lib/log'

function typeOf(message: Message<unknown>): string | null {
  const body = message.body as { type?: unknown } | null
  return typeof body?.type === 'string' ? body.type : null
}

/**
 * Routes each queue batch to the capability that owns its messages. Messages carry a `type`
 * field naming their handler.
 */
export async function handleQueueBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  executionCtx: ExecutionContext,
): Promise<void> {
  void executionCtx
  const eventMessages: Message<EventsBatchMessage>[] = []
  for (const message of batch.messages) {
    if (typeOf(message) === 'events.batch') {
      eventMessages.push(message as Message<EventsBatchMessage>)
      continue
    }
    // TODO: upload handlers register here.
    logEvent('queue.unhandled_message', { queue: batch.queue, messageId: message.id })
    message.ack()
  }
  if (eventMessages.length > 0) await handleEventMessages(eventMessages, env)
}
