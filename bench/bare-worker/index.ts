/// <reference types="@cloudflare/workers-types" />

/** Bindings of the baseline Worker. */
interface Env {
  QUEUE: Queue
}

/** Same per-message budget as the Event API, so both send the same number of messages. */
const MESSAGE_BUDGET_CHARS = 100_000

/**
 * Puts the request body on the queue in slices that fit a message, and responds once the queue
 * has taken them. No parsing, validation or key lookup: this is the floor the Event API is
 * measured against.
 */
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method !== 'POST') return Response.json({ ok: true })
    const body = await request.text()
    const messages: MessageSendRequest[] = []
    for (let start = 0; start < body.length; start += MESSAGE_BUDGET_CHARS) {
      messages.push({ body: body.slice(start, start + MESSAGE_BUDGET_CHARS) })
    }
    const calls: Promise<unknown>[] = []
    for (let start = 0; start < messages.length; start += 2) {
      calls.push(env.QUEUE.sendBatch(messages.slice(start, start + 2)))
    }
    await Promise.all(calls)
    return Response.json({ status_is_ok: true, accepted: body.split('\n').length })
  },

  queue(batch: MessageBatch): void {
    batch.ackAll()
  },
} satisfies ExportedHandler<Env>
