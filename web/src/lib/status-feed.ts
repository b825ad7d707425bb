import { createSignal, onCleanup } from 'solid-js'

import { type RouterOutputs, trpc } from './trpc'

/** One row of `statusLog.list`. */
export type CallSummary = RouterOutputs['statusLog']['list']['entries'][number]

/** The list filters the API status page offers. */
export interface CallFilters {
  outcome?: 'Success' | 'Partial' | 'Failure'
  api?: string
  source?: 'rest' | 'trpc' | 'csv_upload' | 'events'
}

const PAGE_SIZE = 50
const POLL_INTERVAL_MS = 3000
/** The log's capacity: one poll can never return more new entries than the log holds. */
const POLL_LIMIT = 1000

/**
 * Sorts entries by call time, newest first. The log numbers entries as they arrive, and an Event
 * API call's entry arrives with its queued events, seconds after calls logged directly.
 */
function newestFirst(list: CallSummary[]): CallSummary[] {
  return [...list].sort((a, b) => b.time - a.time || b.id - a.id)
}

/**
 * Keeps a newest-first list of status-log entries for the given filters, adds new calls every
 * three seconds while the page is visible, and loads older pages on request. Pages and polls
 * follow entry ids, which are the log's order; the list shows them by call time. Polling stops
 * when the owning component unmounts.
 */
export function createStatusFeed(filters: () => CallFilters) {
  const [entries, setEntries] = createSignal<CallSummary[]>([])
  const [hasOlder, setHasOlder] = createSignal(false)
  const [capacity, setCapacity] = createSignal<number | null>(null)
  const [loading, setLoading] = createSignal(false)
  const [error, setError] = createSignal<unknown>(null)
  // Responses that arrive after the filters changed belong to the old list and are dropped.
  let generation = 0

  async function reload() {
    const current = ++generation
    setLoading(true)
    setError(null)
    try {
      const page = await trpc.statusLog.list.query({ ...filters(), limit: PAGE_SIZE })
      if (current !== generation) return
      setEntries(newestFirst(page.entries))
      setCapacity(page.capacity)
      setHasOlder(page.entries.length === PAGE_SIZE)
    } catch (caught) {
      if (current === generation) setError(caught)
    } finally {
      if (current === generation) setLoading(false)
    }
  }

  async function loadOlder() {
    if (entries().length === 0) return
    const oldestId = Math.min(...entries().map((entry) => entry.id))
    const current = generation
    setLoading(true)
    try {
      const page = await trpc.statusLog.list.query({
        ...filters(),
        beforeId: oldestId,
        limit: PAGE_SIZE,
      })
      if (current !== generation) return
      setEntries(newestFirst([...entries(), ...page.entries]))
      setHasOlder(page.entries.length === PAGE_SIZE)
    } catch (caught) {
      if (current === generation) setError(caught)
    } finally {
      if (current === generation) setLoading(false)
    }
  }

  async function poll() {
    if (document.hidden || loading()) return
    const current = generation
    const newestId = Math.max(0, ...entries().map((entry) => entry.id))
    try {
      const page = await trpc.statusLog.list.query({
        ...filters(),
        afterId: newestId,
        limit: POLL_LIMIT,
      })
      if (current !== generation || page.entries.length === 0) return
      const known = new Set(entries().map((entry) => entry.id))
      const fresh = page.entries.filter((entry) => !known.has(entry.id))
      setEntries(newestFirst([...fresh, ...entries()]))
      setError(null)
    } catch (caught) {
      if (current === generation) setError(caught)
    }
  }

  const timer = setInterval(() => void poll(), POLL_INTERVAL_MS)
  const onVisibilityChange = () => {
    if (!document.hidden) void poll()
  }
  document.addEventListener('visibilitychange', onVisibilityChange)
  onCleanup(() => {
    clearInterval(timer)
    document.removeEventListener('visibilitychange', onVisibilityChange)
  })

  return { entries, hasOlder, capacity, loading, error, reload, loadOlder }
}
