import { useNavigate, useSearchParams } from '@solidjs/router'
import { createEffect, createSignal, Show } from 'solid-js'

import ErrorText from '../components/ErrorText'
import type { SignInReason } from '../lib/links'
import { valueOf } from '../lib/resource'
import { useSession } from '../lib/session'
import { errorMessage, trpc } from '../lib/trpc'

/**
 * Email and password sign-in. A signed-in visitor goes straight to the console. The `reason`
 * query parameter gives why the console sent the browser here.
 */
export default function SignIn() {
  const { me, refetch } = useSession()
  const [params] = useSearchParams<{ reason?: SignInReason }>()
  const navigate = useNavigate()
  const [email, setEmail] = createSignal('')
  const [password, setPassword] = createSignal('')
  const [busy, setBusy] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)

  createEffect(() => {
    if (valueOf(me)) navigate('/', { replace: true })
  })

  async function submit(event: SubmitEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await trpc.auth.signIn.mutate({ email: email().trim(), password: password() })
      refetch()
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="centered">
      <form class="card sign-in" onSubmit={(event) => void submit(event)}>
        <h1>Sign in to Switchyard</h1>
        <Show when={params.reason === 'session-ended'}>
          <p class="notice" role="status">
            Your session ended; sign in again.
          </p>
        </Show>
        <label for="email">Email</label>
        <input
          id="email"
          type="email"
          autocomplete="username"
          required
          value={email()}
          onInput={(event) => setEmail(event.currentTarget.value)}
        />
        <label for="password">Password</label>
        <input
          id="password"
          type="password"
          autocomplete="current-password"
          required
          value={password()}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        <button type="submit" disabled={busy()}>
          {busy() ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorText message={error()} />
      </form>
    </main>
  )
}
