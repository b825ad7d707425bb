import { createResource, For, onMount, Show } from 'solid-js'

import { formatDuration, formatTime } from '../lib/format'
import { valueOf } from '../lib/resource'
import { errorMessage, trpc } from '../lib/trpc'
import ErrorText from './ErrorText'

/** One API status entry with the records it failed to write. */
export default function CallDetail(props: { id: number; onClose: () => void }) {
  const [entry] = createResource(
    () => props.id,
    (id) => trpc.statusLog.get.query({ id }),
  )

  let heading: HTMLHeadingElement | undefined
  // Moves focus to the opened call so keyboard and screen reader users land on it.
  onMount(() => heading?.focus())

  return (
    <section class="panel detail" aria-labelledby="call-detail-heading">
      <div class="panel-header">
        <h2 id="call-detail-heading" ref={heading} tabindex="-1">
          Call {props.id}
        </h2>
        <button type="button" class="secondary" onClick={() => props.onClose()}>
          Close
        </button>
      </div>
      <ErrorText message={entry.error ? errorMessage(entry.error) : null} />
      <Show when={valueOf(entry)} fallback={<p class="muted">Loading…</p>}>
        {(call) => {
          // Event API responses number rejected lines from 1, so their failed records show that line.
          const byLine = () => call().api === 'events' && call().source !== 'csv_upload'
          return (
            <>
              <dl class="facts">
                <dt>Time</dt>
                <dd>{formatTime(call().time)}</dd>
                <dt>Request</dt>
                <dd>
                  <code>
                    {call().method} {call().path}
                  </code>{' '}
                  <span class="muted">request id {call().requestId}</span>
                </dd>
                <dt>Outcome</dt>
                <dd>
                  <span class={`badge badge-${call().outcome.toLowerCase()}`}>
                    {call().outcome}
                  </span>{' '}
                  HTTP {call().httpStatus}, {formatDuration(call().durationMs)}
                </dd>
                <dt>Records</dt>
                <dd>
                  {call().recordsSent} sent, {call().recordsFailed} failed
                </dd>
                <Show when={call().message}>
                  <dt>Message</dt>
                  <dd>{call().message}</dd>
                </Show>
              </dl>

              <Show when={call().recordsFailed === 0 && call().httpStatus < 400}>
                <p class="muted">Every record in this call was written.</p>
              </Show>
              <Show when={call().failedRecords.length > 0}>
                <h3>Failed records</h3>
                <div class="table-scroll">
                  <table class="failed-records">
                    <thead>
                      <tr>
                        <th scope="col">{byLine() ? 'Line' : 'Index'}</th>
                        <th scope="col">Id</th>
                        <th scope="col">Message</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={call().failedRecords}>
                        {(record) => (
                          <tr>
                            <td>{byLine() ? record.index + 1 : record.index}</td>
                            <td>{record.id ?? '—'}</td>
                            <td>{record.message}</td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </Show>
              <Show when={call().failedRecordsOmitted > 0}>
                <p class="muted">
                  {call().failedRecordsOmitted} more not kept: the log keeps the first{' '}
                  {call().failedRecords.length} failed records of each call.
                </p>
              </Show>
            </>
          )
        }}
      </Show>
    </section>
  )
}
