import { createResource, createSignal, For, Show } from 'solid-js'

import { formatTime } from '../lib/format'
import { valueOf } from '../lib/resource'
import { useIsAdmin } from '../lib/session'
import { errorMessage, trpc } from '../lib/trpc'
import CopyButton from './CopyButton'
import ErrorText from './ErrorText'

type EventSource = Awaited<ReturnType<typeof trpc.eventSources.list.query>>[number]
type AuthKey = EventSource['keys'][number]

/** Grace periods offered when rolling an auth key, in seconds. */
const graceChoices = [
  { label: 'End the old key now', seconds: 0 },
  { label: 'Keep the old key 1 hour', seconds: 3600 },
  { label: 'Keep the old key 1 day', seconds: 86_400 },
  { label: 'Keep the old key 7 days', seconds: 604_800 },
]

/** Builds a curl command that sends two events to a source, for the given Event API base URL. */
function curlExample(eventApiBase: string, sendKey: string): string {
  const now = Date.now()
  const first = `{"account_id":"acme-1","user_id":"u-1","created_at":${now},"session_id":"s-1","action":"feature","feature":"export","module":"reports"}`
  const second = `{"account_id":"acme-1","user_id":"u-1","created_at":${now + 1000},"session_id":"s-1","action":"sessionIdle"}`
  return [
    `curl -X POST '${eventApiBase}/YOUR_AUTH_KEY/${sendKey}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  --data-binary $'${first}\\n${second}\\n'`,
  ].join('\n')
}

function KeyRow(props: {
  authKey: AuthKey
  canManage: boolean
  onRolled: (key: string) => void
  onChanged: () => void
  onError: (message: string | null) => void
}) {
  const [grace, setGrace] = createSignal(3600)
  const usable = () => props.authKey.status === 'active'
  // A rolled key in its grace period can still be revoked, to end the grace period early.
  const revocable = () => usable() || props.authKey.status === 'expiring'

  async function run(work: () => Promise<unknown>) {
    props.onError(null)
    try {
      await work()
      props.onChanged()
    } catch (error) {
      props.onError(errorMessage(error))
    }
  }

  const roll = () =>
    run(async () => {
      const result = await trpc.eventSources.rollKey.mutate({
        id: props.authKey.id,
        graceSeconds: grace(),
      })
      props.onRolled(result.authKey)
    })

  const revoke = () => {
    const question = `Revoke auth key ${props.authKey.prefix}…? Requests with it are rejected within 20 seconds.`
    if (!confirm(question)) return
    void run(() => trpc.eventSources.revokeKey.mutate({ id: props.authKey.id }))
  }

  return (
    <tr>
      <td>
        <code>
          {props.authKey.prefix}…{props.authKey.lastFour}
        </code>
      </td>
      <td>{formatTime(props.authKey.createdAt)}</td>
      <td>{props.authKey.lastUsedAt === null ? 'never' : formatTime(props.authKey.lastUsedAt)}</td>
      <td>
        <span class={`badge badge-${props.authKey.status}`}>{props.authKey.status}</span>
        <Show when={props.authKey.status === 'expiring'}>
          {' '}
          until {formatTime(props.authKey.expiresAt)}
        </Show>
      </td>
      <td class="actions">
        <Show when={props.canManage && usable()}>
          <select
            aria-label="Grace period for the old key"
            value={grace()}
            onChange={(event) => setGrace(Number(event.currentTarget.value))}
          >
            <For each={graceChoices}>
              {(choice) => <option value={choice.seconds}>{choice.label}</option>}
            </For>
          </select>
          <button type="button" onClick={() => void roll()}>
            Roll
          </button>
        </Show>
        <Show when={props.canManage && revocable()}>
          <button type="button" onClick={revoke}>
            Revoke
          </button>
        </Show>
      </td>
    </tr>
  )
}

function SourceCard(props: {
  source: EventSource
  eventApiBase: string
  canManage: boolean
  onRolled: (name: string, key: string) => void
  onChanged: () => void
}) {
  const [error, setError] = createSignal<string | null>(null)
  const example = () => curlExample(props.eventApiBase, props.source.sendKey)
  const hasActiveKey = () => props.source.keys.some((key) => key.status === 'active')

  async function issue() {
    setError(null)
    try {
      const result = await trpc.eventSources.issueKey.mutate({ sourceId: props.source.id })
      props.onRolled(props.source.name, result.authKey)
      props.onChanged()
    } catch (caught) {
      setError(errorMessage(caught))
    }
  }

  return (
    <section class="card" aria-label={`Event source ${props.source.name}`}>
      <h3>{props.source.name}</h3>
      <dl class="facts">
        <dt>Send key (Event API key)</dt>
        <dd>
          <code>{props.source.sendKey}</code>{' '}
          <CopyButton value={props.source.sendKey} label="Copy send key" />
        </dd>
        <dt>Endpoint</dt>
        <dd>
          <code>
            POST {props.eventApiBase}/{'{authKey}'}/{props.source.sendKey}
          </code>
        </dd>
      </dl>
      <ErrorText message={error()} />
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">Auth keys of {props.source.name}</caption>
          <thead>
            <tr>
              <th scope="col">Auth key</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.source.keys}>
              {(authKey) => (
                <KeyRow
                  authKey={authKey}
                  canManage={props.canManage}
                  onRolled={(key) => props.onRolled(props.source.name, key)}
                  onChanged={props.onChanged}
                  onError={setError}
                />
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={!hasActiveKey()}>
        <p class="notice" role="status">
          This source has no active auth key, so it cannot receive events after any grace period
          ends.{' '}
          <Show when={props.canManage} fallback={<>Ask an admin to issue a new auth key.</>}>
            <button type="button" onClick={() => void issue()}>
              Issue a new auth key
            </button>
          </Show>
        </p>
      </Show>
      <h4>Send events with curl</h4>
      <pre class="code">{example()}</pre>
      <CopyButton value={example()} label="Copy command" />
    </section>
  )
}

/**
 * Usage Event API sources: each has a public send key and secret auth keys. Every role can list
 * them, and admins create sources, roll or revoke auth keys, and issue a key to a source left
 * without one. A new auth key is shown once.
 */
export default function EventSourcesPanel() {
  const isAdmin = useIsAdmin()
  const [overview] = createResource(() => trpc.orgs.overview.query())
  const [sources, { refetch }] = createResource(() => trpc.eventSources.list.query())
  const [unknown] = createResource(() => trpc.usage.unknownAccounts.query({ days: 7 }))
  const [deadLetters, { refetch: refetchDeadLetters }] = createResource(() =>
    trpc.usage.deadLetters.query(),
  )
  const [name, setName] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const [revealed, setRevealed] = createSignal<{ name: string; key: string } | null>(null)
  const eventApiBase = () => valueOf(overview)?.eventApiBase ?? `${location.origin}/v1`

  async function create(event: SubmitEvent) {
    event.preventDefault()
    setError(null)
    try {
      const result = await trpc.eventSources.create.mutate({ name: name().trim() })
      setRevealed({ name: result.source.name, key: result.authKey })
      setName('')
      void refetch()
    } catch (caught) {
      setError(errorMessage(caught))
    }
  }

  async function replay() {
    setError(null)
    try {
      await trpc.events.replayDeadLetters.mutate()
      void refetchDeadLetters()
    } catch (caught) {
      setError(errorMessage(caught))
    }
  }

  return (
    <section class="panel" aria-labelledby="event-sources-heading">
      <h2 id="event-sources-heading">Usage Event API</h2>
      <p>
        Send one JSON event per line (NDJSON) to{' '}
        <code>
          POST {eventApiBase()}/{'{authKey}'}/{'{sendKey}'}
        </code>
        : at most 1000 events and 1 MB per request, 32 KB per line, and <code>created_at</code> in
        epoch milliseconds from 30 days ago to 1 hour ahead.
      </p>

      <Show when={revealed()}>
        {(shown) => (
          <div class="notice new-key" role="status">
            <p>
              New auth key for <strong>{shown().name}</strong>. Copy it now: it is not shown again.
            </p>
            <div class="inline">
              <code id="new-event-auth-key" class="key-value">
                {shown().key}
              </code>
              <CopyButton value={shown().key} label="Copy auth key" />
              <button type="button" class="secondary" onClick={() => setRevealed(null)}>
                I have stored it
              </button>
            </div>
          </div>
        )}
      </Show>

      <Show when={(valueOf(deadLetters)?.events ?? 0) > 0}>
        <div class="notice" role="alert">
          <p>
            {valueOf(deadLetters)?.events} events could not be stored; kept in dead-letter storage.
            Replaying queues them again, and events stored before are not counted twice.
          </p>
          <Show when={isAdmin()}>
            <button type="button" onClick={() => void replay()}>
              Replay dead-lettered events
            </button>
          </Show>
        </div>
      </Show>

      <Show when={isAdmin()} fallback={<p class="muted">Only admins can create sources.</p>}>
        <form class="inline" onSubmit={(event) => void create(event)}>
          <label for="new-source-name">Source name</label>
          <input
            id="new-source-name"
            required
            maxlength="100"
            placeholder="e.g. Web app"
            value={name()}
            onInput={(event) => setName(event.currentTarget.value)}
          />
          <button type="submit">Create source</button>
        </form>
      </Show>
      <ErrorText message={error()} />
      <ErrorText
        message={sources.error ? `Could not load sources: ${errorMessage(sources.error)}` : null}
      />

      <For
        each={valueOf(sources) ?? []}
        fallback={<p class="muted">{sources.loading ? 'Loading sources…' : 'No sources yet.'}</p>}
      >
        {(source) => (
          <SourceCard
            source={source}
            eventApiBase={eventApiBase()}
            canManage={isAdmin()}
            onRolled={(sourceName, key) => setRevealed({ name: sourceName, key })}
            onChanged={() => void refetch()}
          />
        )}
      </For>

      <Show when={(valueOf(unknown) ?? []).length > 0}>
        <h3>Events for unknown accounts (last 7 days)</h3>
        <p>
          These account ids sent events but have no account record. Their events are kept and
          counted; create the accounts through the Account API or an upload to see them in Accounts.
        </p>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Account id</th>
                <th scope="col">Events</th>
              </tr>
            </thead>
            <tbody>
              <For each={valueOf(unknown) ?? []}>
                {(row) => (
                  <tr>
                    <td>
                      <code>{row.accountId}</code>
                    </td>
                    <td>{row.events}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </section>
  )
}
