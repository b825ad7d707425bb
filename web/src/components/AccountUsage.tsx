import { createResource, createSignal, For, Show } from 'solid-js'

import { valueOf } from '../lib/resource'
import { errorMessage, trpc } from '../lib/trpc'
import ErrorText from './ErrorText'

const dayChoices = [7, 30, 90]

function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

function formatDuration(seconds: number): string {
  const hours = Math.floor(seconds / 3600)
  const minutes = Math.round((seconds % 3600) / 60)
  return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`
}

/**
 * An account's recent usage from the event rollups: per UTC day the active users, events and
 * session time, and the most used features.
 */
export default function AccountUsage(props: { accountId?: string }) {
  const [days, setDays] = createSignal(30)
  const [usage] = createResource(
    () => (props.accountId ? { accountId: props.accountId, days: days() } : null),
    (input) => trpc.usage.account.query(input),
  )

  return (
    <section class="panel" aria-labelledby="account-usage-heading">
      <h2 id="account-usage-heading">Usage</h2>
      <label for="usage-days">Period</label>{' '}
      <select
        id="usage-days"
        value={days()}
        onChange={(event) => setDays(Number(event.currentTarget.value))}
      >
        <For each={dayChoices}>
          {(choice) => <option value={choice}>Last {choice} days</option>}
        </For>
      </select>
      <ErrorText
        message={usage.error ? `Could not load usage: ${errorMessage(usage.error)}` : null}
      />
      <Show when={valueOf(usage)?.accountKnown === false && (valueOf(usage)?.days.length ?? 0) > 0}>
        <p class="notice">
          Events name this account id, but the Account API has no account with it. The events are
          kept; create the account to see its details.
        </p>
      </Show>
      <div class="table-scroll">
        <table>
          <caption>Per day (UTC)</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Active users</th>
              <th scope="col">Events</th>
              <th scope="col">Session time</th>
            </tr>
          </thead>
          <tbody>
            <For
              each={[...(valueOf(usage)?.days ?? [])].reverse()}
              fallback={
                <tr>
                  <td colspan="4" class="muted">
                    {usage.loading ? 'Loading usage…' : 'No events in this period.'}
                  </td>
                </tr>
              }
            >
              {(day) => (
                <tr>
                  <td>{formatDay(day.day)}</td>
                  <td>{day.activeUsers}</td>
                  <td>{day.events}</td>
                  <td>{formatDuration(day.sessionSeconds)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <div class="table-scroll">
        <table>
          <caption>Top features</caption>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">Module</th>
              <th scope="col">Events</th>
              <th scope="col">Most users on one day</th>
            </tr>
          </thead>
          <tbody>
            <For
              each={valueOf(usage)?.topFeatures ?? []}
              fallback={
                <tr>
                  <td colspan="4" class="muted">
                    No feature or module events in this period.
                  </td>
                </tr>
              }
            >
              {(feature) => (
                <tr>
                  <td>{feature.feature || '—'}</td>
                  <td>{feature.module || '—'}</td>
                  <td>{feature.events}</td>
                  <td>{feature.users}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </section>
  )
}
