import { deleteExpiredSessions } from './auth/session'
import { deleteStaleThrottles } from './auth/throttle'
import { createDb } from './db/client'
import type { Env } from './env'
import { logEvent } from './lib/log'

/** Runs the cron sweep: prunes expired sessions and re-drives stalled background work. */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  logEvent('cron.sweep_started', { cron: controller.cron })
  const db = createDb(env.DB)
  await deleteExpiredSessions(db)
  await deleteStaleThrottles(db)
}
