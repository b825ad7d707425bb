import { createResource, createSignal, For, Show } from 'solid-js'

import { valueOf } from '../lib/resource'
import { useIsAdmin } from '../lib/session'
import { errorMessage, trpc } from '../lib/trpc'
import ApiKeyRow from './ApiKeyRow'
import ErrorText from './ErrorText'
import NewKeyNotice from './NewKeyNotice'

/**
 * The org's Account API keys: list for everyone, and for admins create, roll and revoke. A new or
 * rolled key is shown once in full.
 */
export default function ApiKeysPanel() {
  const isAdmin = useIsAdmin()
  const [keys, { refetch }] = createResource(() => trpc.keys.list.query())
  const [label, setLabel] = createSignal('')
  const [busy, setBusy] = createSignal(false)
  const [createError, setCreateError] = createSignal<string | null>(null)
  const [revealed, setRevealed] = createSignal<{ label: string; key: string } | null>(null)

  async function create(event: SubmitEvent) {
    event.preventDefault()
    setBusy(true)
    setCreateError(null)
    try {
      const result = await trpc.keys.create.mutate({ label: label().trim() })
      setRevealed({ label: result.apiKey.label, key: result.key })
      setLabel('')
      void refetch()
    } catch (caught) {
      setCreateError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="panel" aria-labelledby="api-keys-heading">
      <h2 id="api-keys-heading">Account API keys</h2>
      <p>
        Clients send a key with every Account API call. Keys are stored hashed; the whole key is
        shown only when it is created or rolled.
      </p>

      <Show when={revealed()}>
        {(shown) => (
          <NewKeyNotice
            label={shown().label}
            apiKey={shown().key}
            onDone={() => setRevealed(null)}
          />
        )}
      </Show>

      <Show
        when={isAdmin()}
        fallback={<p class="muted">Only admins can create, roll or revoke keys.</p>}
      >
        <form class="inline" onSubmit={(event) => void create(event)}>
          <label for="new-key-label">Label</label>
          <input
            id="new-key-label"
            required
            maxlength="80"
            placeholder="e.g. Billing sync"
            value={label()}
            onInput={(event) => setLabel(event.currentTarget.value)}
          />
          <button type="submit" disabled={busy()}>
            Create key
          </button>
        </form>
        <ErrorText message={createError()} />
      </Show>

      <ErrorText message={keys.error ? `Could not load keys: ${errorMessage(keys.error)}` : null} />
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">Account API keys</caption>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Key</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            <For
              each={valueOf(keys) ?? []}
              fallback={
                <tr>
                  <td colspan="6" class="muted">
                    {keys.loading ? 'Loading keys…' : 'No keys yet.'}
                  </td>
                </tr>
              }
            >
              {(apiKey) => (
                <ApiKeyRow
                  apiKey={apiKey}
                  canManage={isAdmin()}
                  onRolled={(rolledLabel, key) => setRevealed({ label: rolledLabel, key })}
                  onChanged={() => void refetch()}
                />
              )}
            </For>
          </tbody>
        </table>
      </div>
    </section>
  )
}
