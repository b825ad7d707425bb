import { For, Show } from 'solid-js'

import type { PreflightReport } from './types'

const delimiterNames: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' }

/** Shows preflight findings, errors first, with the row numbers they concern. */
export default function Findings(props: { report: PreflightReport }) {
  const order = { error: 0, warning: 1, info: 2 }
  const sorted = () => [...props.report.findings].sort((a, b) => order[a.level] - order[b.level])
  return (
    <section aria-label="Preflight findings">
      <p>
        Encoding {props.report.encoding}
        {props.report.hadBom ? ' (byte order mark skipped)' : ''}, delimiter{' '}
        {delimiterNames[props.report.delimiter] ?? `"${props.report.delimiter}"`},{' '}
        {props.report.sampleRows} data rows
        {props.report.sampleIsWholeFile ? '' : ' in the first megabyte'}.
      </p>
      <Show when={props.report.findings.length > 0} fallback={<p>No problems found.</p>}>
        <ul class="findings">
          <For each={sorted()}>
            {(finding) => (
              <li class={`finding-${finding.level}`}>
                <strong>{finding.level}</strong>: {finding.message}
                <Show when={finding.rows?.length}> Rows: {finding.rows?.join(', ')}.</Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  )
}
