import { createEffect, createSignal, For, on, Show } from 'solid-js'

import CallDetail from '../components/CallDetail'
import ErrorText from '../components/ErrorText'
import { formatDuration, formatTime } from '../lib/format'
import { type CallFilters, createStatusFeed } from '../lib/status-feed'
import { errorMessage } from '../lib/trpc'

const apis = [
  { value: 'accounts', label: 'Accounts' },
  { value: 'account_users', label: 'Account users' },
  { value: 'account_contacts', label: 'Account contacts' },
  { value: 'events', label: 'Usage events' },
]

const sources = [
  { value: 'rest', label: 'REST' },
  { value: 'trpc', label: 'Console / tRPC' },
  { value: 'csv_upload', label: 'CSV upload' },
  { value: 'events', label: 'Event API' },
] as const

const outcomes = ['Success', 'Partial', 'Failure'] as const

/**
 * API status: the org's newest calls, newest first, with filters. New calls appear every few
 * seconds without a reload, and opening one lists the records it failed to write.
 */
export default function ApiStatus() {
  const [filters, setFilters] = createSignal<CallFilters>({})
  const [selectedId, setSelectedId] = createSignal<number | null>(null)
  const feed = createStatusFeed(filters)

  createEffect(on(filters, () => void feed.reload()))

  function setFilter<K extends keyof CallFilters>(key: K, value: string) {
    setFilters({ ...filters(), [key]: value === '' ? undefined : value })
  }

  return (
    <section>
      <h1>API status</h1>
      <p>
        Every Account API, Event API and CSV upload call, newest first. The log keeps the newest{' '}
        {feed.capacity() ?? 1000} calls, and new calls appear here every 3 seconds.
      </p>

      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label for="filter-outcome">Outcome</label>
        <select id="filter-outcome" onChange={(e) => setFilter('outcome', e.currentTarget.value)}>
          <option value="">All</option>
          <For each={outcomes}>{(outcome) => <option value={outcome}>{outcome}</option>}</For>
        </select>
        <label for="filter-api">API</label>
        <select id="filter-api" onChange={(e) => setFilter('api', e.currentTarget.value)}>
          <option value="">All</option>
          <For each={apis}>{(api) => <option value={api.value}>{api.label}</option>}</For>
        </select>
        <label for="filter-source">Source</label>
        <select id="filter-source" onChange={(e) => setFilter('source', e.currentTarget.value)}>
          <option value="">All</option>
          <For each={sources}>
            {(source) => <option value={source.value}>{source.label}</option>}
          </For>
        </select>
      </form>

      <Show when={selectedId()}>
        {(id) => <CallDetail id={id()} onClose={() => setSelectedId(null)} />}
      </Show>

      <ErrorText message={feed.error() ? errorMessage(feed.error()) : null} />
      <div class="table-scroll">
        <table class="calls">
          <caption class="visually-hidden">API calls, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">API</th>
              <th scope="col">Request</th>
              <th scope="col">Source</th>
              <th scope="col">Key</th>
              <th scope="col">HTTP</th>
              <th scope="col">Outcome</th>
              <th scope="col">Sent</th>
              <th scope="col">Failed</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            <For
              each={feed.entries()}
              fallback={
                <tr>
                  <td colspan="10" class="muted">
                    {feed.loading() ? 'Loading…' : 'No calls match these filters yet.'}
                  </td>
                </tr>
              }
            >
              {(call) => (
                <tr
                  classList={{ selected: selectedId() === call.id }}
                  data-call-id={call.id}
                  data-outcome={call.outcome}
                >
                  <td>
                    <button
                      type="button"
                      class="link"
                      aria-label={`Open call ${call.id} from ${formatTime(call.time)}`}
                      onClick={() => setSelectedId(call.id)}
                    >
                      {formatTime(call.time)}
                    </button>
                  </td>
                  <td>{call.api}</td>
                  <td>
                    <code>
                      {call.method} {call.path}
                    </code>
                  </td>
                  <td>
                    {sources.find((source) => source.value === call.source)?.label ?? call.source}
                  </td>
                  <td>{call.keyPrefix ? <code>{call.keyPrefix}…</code> : '—'}</td>
                  <td>{call.httpStatus}</td>
                  <td>
                    <span class={`badge badge-${call.outcome.toLowerCase()}`}>{call.outcome}</span>
                  </td>
                  <td class="number">{call.recordsSent}</td>
                  <td class="number">{call.recordsFailed}</td>
                  <td class="number">{formatDuration(call.durationMs)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={feed.hasOlder()}>
        <button
          type="button"
          class="secondary"
          disabled={feed.loading()}
          onClick={() => void feed.loadOlder()}
        >
          Older calls
        </button>
      </Show>
    </section>
  )
}
