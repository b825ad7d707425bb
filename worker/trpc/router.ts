import {
  accountContactsRouter,
  accountsRouter,
  accountUsersRouter,
} from '../accounts/accounts.router'
import { authRouter } from '../auth/auth.router'
import { keysRouter } from '../keys/keys.router'
import { orgsRouter } from '../orgs/orgs.router'
import { statusLogRouter } from '../status-log/status-log.router'
import { router } from './init'

export const appRouter = router({
  auth: authRouter,
  orgs: orgsRouter,
  keys: keysRouter,
  accounts: accountsRouter,
  accountUsers: accountUsersRouter,
  accountContacts: accountContactsRouter,
  statusLog: statusLogRouter,
})

/** The router's type, imported by the console and by TypeScript clients for end-to-end types. */
export type AppRouter = typeof appRouter
