/**
 * Throttles API status entries for rejected auth keys. The send key is not secret, so without this
 * anyone with it could flood the org's 1000-entry log and push real entries out.
 *
 * NOTE: the counters live in isolate memory, so each isolate records up to one entry per source per
 * window and a restart loses the count of left-out requests. An exact count needs a Durable Object.
 */

/** Shortest time between two recorded rejected-key entries for one source, in ms. */
export const REJECTION_LOG_WINDOW_MS = 60_000

/** Maximum sources tracked per isolate before ended windows are dropped. */
const MAX_TRACKED_SOURCES = 10_000

interface Window {
  recordedAt: number
  suppressed: number
}

const windows = new Map<string, Window>()

/** Decision for one rejected request: record it, with the count left out before, or skip it. */
export type RejectionDecision = { record: true; suppressed: number } | { record: false }

/** True when a rejected request for `sendKey` would be left out, without counting it. */
export function isRejectionThrottled(sendKey: string, now: number): boolean {
  const window = windows.get(sendKey)
  return window !== undefined && now - window.recordedAt < REJECTION_LOG_WINDOW_MS
}

function dropEndedWindows(now: number): void {
  for (const [key, window] of windows) {
    if (now - window.recordedAt >= REJECTION_LOG_WINDOW_MS && window.suppressed === 0) {
      windows.delete(key)
    }
  }
}

/**
 * Decides whether a rejected request for the source with `sendKey` gets a status entry. Call it
 * only for send keys that belong to a source, so the map never grows with made-up keys.
 */
export function admitRejection(sendKey: string, now: number): RejectionDecision {
  const window = windows.get(sendKey)
  if (window && now - window.recordedAt < REJECTION_LOG_WINDOW_MS) {
    window.suppressed++
    return { record: false }
  }
  if (!window && windows.size >= MAX_TRACKED_SOURCES) dropEndedWindows(now)
  windows.set(sendKey, { recordedAt: now, suppressed: 0 })
  return { record: true, suppressed: window?.suppressed ?? 0 }
}

/** Appends the count of left-out requests to a rejection message. */
export function withSuppressedCount(message: string, suppressed: number): string {
  if (suppressed === 0) return message
  const requests = suppressed === 1 ? 'request' : 'requests'
  return `${message} (and ${suppressed} more rejected ${requests} since the previous logged one)`
}
