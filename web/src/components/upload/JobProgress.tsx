import { For, Show } from 'solid-js'

import type { UploadDetail } from './types'

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`
}

/** Live progress of a running job, then its results with the first errors. */
export default function JobProgress(props: {
  job: UploadDetail
  /** False for viewers, who see progress without the cancel button. */
  canCancel: boolean
  onCancel: () => void
}) {
  const progress = () => props.job.progress
  const done = () => progress().rowsWritten + progress().rowsFailed
  const active = () => ['queued', 'running'].includes(props.job.status)
  const percent = () => {
    const total = progress().rowsTotal
    return total ? Math.min(100, Math.round((done() / total) * 100)) : 0
  }

  return (
    <section aria-label="Processing">
      <p>
        <strong>{props.job.fileName}</strong>: {props.job.status}
        {props.job.message ? ` — ${props.job.message}` : ''}
      </p>
      <progress max="100" value={percent()} aria-label="Rows processed" />
      <p>
        {progress().rowsRead} rows read
        {progress().rowsTotal !== null
          ? ` of ${progress().rowsTotalIsEstimate ? 'about ' : ''}${progress().rowsTotal}`
          : ''}
        , {progress().rowsWritten} written, {progress().rowsFailed} failed.
        <Show when={progress().rowsPerSecond}>
          {' '}
          {Math.round(progress().rowsPerSecond ?? 0)} rows/s.
        </Show>
        <Show when={active() && progress().secondsLeft !== null}>
          {' '}
          About {duration(progress().secondsLeft ?? 0)} left.
        </Show>
      </p>
      <Show when={active() && props.canCancel}>
        <button type="button" onClick={() => props.onCancel()}>
          Cancel upload
        </button>
      </Show>
      <Show when={props.job.failures.length > 0}>
        <h3>First failed rows</h3>
        <ul>
          <For each={props.job.failures}>
            {(failure) => (
              <li>
                Row {failure.rowNumber}
                {failure.recordId ? ` (${failure.recordId})` : ''}: {failure.message}
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={!active()}>
        <p>
          <a href={`/api/uploads/${props.job.id}/failed-rows.csv`} download="">
            Download the {progress().rowsFailed} failed rows as CSV
          </a>{' '}
          — the uploaded columns plus an error column. Fix them and upload the file again.
        </p>
      </Show>
    </section>
  )
}
