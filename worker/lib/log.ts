/**
 * Writes one structured log line. Workers Logs indexes JSON printed to the console, so each field
 * can be searched. Callers pass ids and counts, never secrets or whole payloads.
 */
export function logEvent(event: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ event, ...fields }))
}

/** Writes one structured error line with the error's message. */
export function logError(
  event: string,
  error: unknown,
  fields: Record<string, unknown> = {},
): void {
  const message = error instanceof Error ? error.message : String(error)
  console.error(JSON.stringify({ event, error: message, ...fields }))
}
