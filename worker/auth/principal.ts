import type { Role } from '../orgs/orgs.schema'

/** A console user signed in with a session cookie. */
export interface SessionPrincipal {
  kind: 'session'
  orgId: string
  userId: string
  email: string
  name: string
  role: Role
  sessionId: string
  csrfToken: string
}

/** A client calling with an Account API key. It may use the Account API procedures only. */
export interface ApiKeyPrincipal {
  kind: 'api_key'
  orgId: string
  keyId: string
  keyPrefix: string
}

export type Principal = SessionPrincipal | ApiKeyPrincipal
