import {
  createContext,
  createResource,
  type ParentProps,
  type Resource,
  useContext,
} from 'solid-js'

import { valueOf } from './resource'
import { onUnauthorized, type RouterOutputs, trpc } from './trpc'

/** The signed-in user and org, as `auth.me` returns them. */
export type SessionInfo = NonNullable<RouterOutputs['auth']['me']>

interface SessionContextValue {
  me: Resource<RouterOutputs['auth']['me']>
  refetch: () => void
}

const SessionContext = createContext<SessionContextValue>()

/** Loads `auth.me` once for the whole console and lets pages read or reload it. */
export function SessionProvider(props: ParentProps) {
  const [me, { refetch }] = createResource(() => trpc.auth.me.query())
  // A call rejected for lack of a session reloads `auth.me`, and the layout then sends the browser
  // to /sign-in when it returns null.
  onUnauthorized(() => void refetch())
  return (
    <SessionContext.Provider value={{ me, refetch: () => void refetch() }}>
      {props.children}
    </SessionContext.Provider>
  )
}

/** Returns the session context. Components must sit inside `SessionProvider`. */
export function useSession(): SessionContextValue {
  const value = useContext(SessionContext)
  if (!value) throw new Error('useSession must be called inside <SessionProvider>.')
  return value
}

/** Returns whether the signed-in user is an admin. The server still checks every call. */
export function useIsAdmin(): () => boolean {
  const { me } = useSession()
  return () => valueOf(me)?.user.role === 'admin'
}
