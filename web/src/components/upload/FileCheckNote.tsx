import { For, Show } from 'solid-js'

import type { UploadDetail } from './types'

/** Shows what the whole-file check found past the first megabyte, or that it is still running. */
export default function FileCheckNote(props: { check: UploadDetail['fileCheck'] }) {
  return (
    <Show
      when={props.check}
      fallback={<p>Checking the rest of the file… You can start meanwhile.</p>}
    >
      {(check) => (
        <ul class="findings">
          <li>The whole file has {check().rows} data rows.</li>
          <Show when={check().wrongFieldCount.count > 0}>
            <li class="finding-warning">
              {check().wrongFieldCount.count} row(s) have the wrong number of fields and will fail:
              rows {check().wrongFieldCount.rows.join(', ')}
              {check().wrongFieldCount.count > check().wrongFieldCount.rows.length
                ? ` and ${check().wrongFieldCount.count - check().wrongFieldCount.rows.length} more`
                : ''}
              .
            </li>
          </Show>
          <For each={check().slashDates.filter((entry) => entry.count > 0)}>
            {(entry) => (
              <li class="finding-warning">
                Column "{entry.column}" has {entry.count} day/month date(s), for example in rows{' '}
                {entry.rows.join(', ')}: choose the date format below.
              </li>
            )}
          </For>
          <Show when={check().parseError}>
            <li class="finding-error">{check().parseError}</li>
          </Show>
        </ul>
      )}
    </Show>
  )
}
