import { deleteExpiredSessions } from './auth/session'
import { deleteStaleThrottles } from './auth/throttle'
import { createDb } from './db/client'
import type { Env } from './env'
import { logEvent } from './lib/log'
import { sweepUploads } from './uploads/uploads.queue'

/** Runs the cron sweep: prunes expired sessions and re-drives stalled background work. */
export async function runScheduled(
  controller: ScheduledController,
  env: Env,
  executionCtx: ExecutionContext,
): Promise<void> {
  logEvent('cron.sweep_started', { cron: controller.cron })
  const db = createDb(env.DB)
  await deleteExpiredSessions(db)
  await deleteStaleThrottles(db)
  await sweepUploads(env, executionCtx, controller.scheduledTime)
}
