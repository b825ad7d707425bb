/**
 * Returns the console link to one account. The id travels as a query parameter because the
 * static-assets layer redirects a path segment holding `%2F` to one holding `/`, which would split
 * an id such as `a/b` in two.
 */
export function accountHref(accountId: string): string {
  return `/accounts/view?${new URLSearchParams({ id: accountId })}`
}

/** The reason the console sent the browser to the sign-in page, as a `reason` query value. */
export type SignInReason = 'session-ended'

/** Returns the sign-in page's path, with the reason to show there when there is one. */
export function signInHref(reason?: SignInReason): string {
  return reason ? `/sign-in?${new URLSearchParams({ reason })}` : '/sign-in'
}

/**
 * Decodes one percent-encoded path segment. The router hands path parameters over still encoded.
 * A malformed sequence such as a lone `%` is returned unchanged rather than throwing.
 */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
