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
  executionCtx?: Pick<ExecutionContext, 'waitUntil'>,
): Promise<void> {
  logEvent('cron.sweep_started', { cron: controller.cron })
  const db = createDb(env.DB)
  await deleteExpiredSessions(db)
  await deleteStaleThrottles(db)
  // Without a context (direct calls in tests) status-log writes still run, unawaited.
  const context = executionCtx ?? { waitUntil: (promise: Promise<unknown>) => void promise }
  await sweepUploads(env, context, controller.scheduledTime)
}
