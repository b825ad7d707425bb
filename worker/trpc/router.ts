import {
  accountContactsRouter,
  accountsRouter,
  accountUsersRouter,
} from '../accounts/accounts.router'
import { authRouter } from '../auth/auth.router'
import { eventSourcesRouter } from '../events/event-sources.router'
import { eventsRouter } from '../events/events.router'
import { usageRouter } from '../events/usage.router'
import { keysRouter } from '../keys/keys.router'
import { orgsRouter } from '../orgs/orgs.router'
import { statusLogRouter } from '../status-log/status-log.router'
import { uploadsRouter } from '../uploads/uploads.router'
import { router } from './init'

export const appRouter = router({
  auth: authRouter,
  orgs: orgsRouter,
  keys: keysRouter,
  accounts: accountsRouter,
  accountUsers: accountUsersRouter,
  accountContacts: accountContactsRouter,
  statusLog: statusLogRouter,
  uploads: uploadsRouter,
  eventSources: eventSourcesRouter,
  events: eventsRouter,
  usage: usageRouter,
})

/** The router's type, imported by the console and by TypeScript clients for end-to-end types. */
export type AppRouter = typeof appRouter
