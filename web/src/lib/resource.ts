import type { Resource } from 'solid-js'

/**
 * Returns a resource's latest value, or undefined while it has none or after it failed. Reading a
 * failed resource directly throws, which would tear down the page instead of showing the error.
 */
export function valueOf<T>(resource: Resource<T>): T | undefined {
  if (resource.error !== undefined || resource.state === 'unresolved') return undefined
  if (resource.state === 'pending') return undefined
  return resource.latest
}
