import { A, type RouteSectionProps, useLocation, useNavigate } from '@solidjs/router'
import { createEffect, createSignal, For, Match, on, Switch } from 'solid-js'

import { roleLabels } from '../lib/format'
import { signInHref } from '../lib/links'
import { valueOf } from '../lib/resource'
import { useSession } from '../lib/session'
import { errorMessage, trpc } from '../lib/trpc'
import ErrorText from './ErrorText'

const sections = [
  { href: '/', label: 'Source overview' },
  { href: '/source-mapping', label: 'Source mapping' },
  { href: '/oauth', label: 'Manage OAuth' },
  { href: '/credentials', label: 'Manage credentials' },
  { href: '/api-status', label: 'API status' },
  { href: '/api-upload', label: 'API upload' },
  { href: '/email', label: 'Email configuration' },
]

const dataPages = [
  { href: '/accounts', label: 'Accounts' },
  { href: '/people', label: 'People' },
]

/**
 * Frames every signed-in page: navigation, the signed-in user and org, and sign-out. Sends the
 * browser to /sign-in when `auth.me` returns no session, saying why when a session ended.
 */
export default function Layout(props: RouteSectionProps) {
  const { me, refetch } = useSession()
  const navigate = useNavigate()
  const [signOutError, setSignOutError] = createSignal<string | null>(null)

  // Set once a session has loaded, so that losing it later reads as "session ended" on the
  // sign-in page, unless the user signed out on purpose.
  let hadSession = false
  let signingOut = false

  createEffect(() => {
    if (valueOf(me)) hadSession = true
    if (me.state !== 'ready' || me() !== null) return
    const ended = hadSession && !signingOut
    navigate(signInHref(ended ? 'session-ended' : undefined), { replace: true })
  })

  // After moving to another page, focus goes to the page content, so keyboard and screen reader
  // users start at the new page instead of on the menu link they left.
  const location = useLocation()
  createEffect(
    on(
      () => location.pathname,
      () => document.getElementById('content')?.focus(),
      { defer: true },
    ),
  )

  async function signOut() {
    setSignOutError(null)
    try {
      await trpc.auth.signOut.mutate()
      signingOut = true
      refetch()
    } catch (error) {
      setSignOutError(errorMessage(error))
    }
  }

  return (
    <Switch fallback={<p class="loading">Loading…</p>}>
      <Match when={me.error as unknown}>
        <main class="centered">
          <div class="card">
            <ErrorText
              message={`Could not load your session: ${errorMessage(me.error).replace(/\.$/, '')}. Check that the Switchyard server is running, then try again.`}
            />
            <button type="button" onClick={() => refetch()}>
              Try again
            </button>
          </div>
        </main>
      </Match>
      <Match when={valueOf(me)}>
        {(session) => (
          <div class="shell">
            <a class="skip-link" href="#content">
              Skip to content
            </a>
            <header class="topbar">
              <span class="brand">Switchyard</span>
              <span class="org">{session().org.name}</span>
              <div class="user">
                <span>
                  {session().user.name} ({roleLabels[session().user.role]})
                </span>
                <button type="button" class="secondary" onClick={() => void signOut()}>
                  Sign out
                </button>
                <ErrorText message={signOutError()} />
              </div>
            </header>
            <nav aria-label="Console">
              <h2 class="nav-heading">IT Administration</h2>
              <For each={sections}>
                {(section) => (
                  <A href={section.href} end={section.href === '/'}>
                    {section.label}
                  </A>
                )}
              </For>
              <h2 class="nav-heading">Data</h2>
              <For each={dataPages}>{(page) => <A href={page.href}>{page.label}</A>}</For>
            </nav>
            <main id="content" tabindex="-1">
              {props.children}
            </main>
          </div>
        )}
      </Match>
    </Switch>
  )
}
