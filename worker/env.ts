import type { ApiKeyPrincipal } from './auth/principal'
import type { StatusLog } from './status-log/status-log.do'

/** Bindings declared in wrangler.toml. */
export interface Env {
  DB: D1Database
  UPLOADS: R2Bucket
  JOBS: Queue
  /** Usage event batches from the Event API, consumed in batches of up to 100 messages. */
  EVENTS: Queue
  JOBS_DLQ: Queue
  STATUS_LOG: DurableObjectNamespace<StatusLog>
  ASSETS: Fetcher
  BCC_DOMAIN: string
}

/** Hono's generic argument for this app: bindings plus the values middleware sets per request. */
export interface AppEnv {
  Bindings: Env
  Variables: {
    requestId: string
    /** The Account API key's principal, set by `requireApiKey` on the routes it guards. */
    principal?: ApiKeyPrincipal
  }
}
