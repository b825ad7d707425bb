const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })

/** Formats epoch milliseconds as a local date and time, or a dash when there is none. */
export function formatTime(epochMs: number | null | undefined): string {
  return epochMs == null ? '—' : dateTime.format(new Date(epochMs))
}

/** Formats epoch milliseconds as a local date, or a dash when there is none. */
export function formatDate(epochMs: number | null | undefined): string {
  return epochMs == null ? '—' : dateOnly.format(new Date(epochMs))
}

/** Formats a duration in milliseconds, switching to seconds from one second up. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`
}

/** Role names as the console shows them. */
export const roleLabels = {
  admin: 'Admin',
  data_manager: 'Data manager',
  viewer: 'Viewer',
} as const
