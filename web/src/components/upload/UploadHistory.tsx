import { For, Show } from 'solid-js'

import type { UploadSummary } from './types'

/** Lists the org's uploads, newest first, with their outcomes. */
export default function UploadHistory(props: {
  jobs: UploadSummary[]
  onOpen: (jobId: string) => void
}) {
  return (
    <Show when={props.jobs.length > 0} fallback={<p>No uploads yet.</p>}>
      <table class="upload-table">
        <thead>
          <tr>
            <th>Started</th>
            <th>File</th>
            <th>API</th>
            <th>Status</th>
            <th>Written</th>
            <th>Failed</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.jobs}>
            {(job) => (
              <tr>
                <td>{new Date(job.createdAt).toLocaleString()}</td>
                <td>
                  <button type="button" class="link" onClick={() => props.onOpen(job.id)}>
                    {job.fileName}
                  </button>
                </td>
                <td>{job.entity}</td>
                <td>{job.status}</td>
                <td>{job.progress.rowsWritten}</td>
                <td>{job.progress.rowsFailed}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Show>
  )
}
