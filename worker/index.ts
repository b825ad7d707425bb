import { createApp } from './app'
import type { Env } from './env'
import { handleQueueBatch } from './queue'
import { runScheduled } from './scheduled'

export { StatusLog } from './status-log/status-log.do'

const app = createApp()

export default {
  fetch: app.fetch,
  queue: handleQueueBatch,
  scheduled: runScheduled,
} satisfies ExportedHandler<Env>
