import { For, Show } from 'solid-js'

type WireRecord = Record<string, unknown>

/** Formats one wire value for a table cell: nested values as compact JSON. */
export function formatWireValue(value: unknown): string {
  if (value === null || value === undefined) return '—'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/**
 * A table of wire-format records whose columns are the union of their fields, in first-seen
 * order. Used where records carry optional fields that vary from one to the next.
 */
export default function RecordTable(props: {
  caption: string
  records: WireRecord[]
  empty: string
}) {
  const columns = () => {
    const seen = new Set<string>()
    for (const record of props.records) for (const key of Object.keys(record)) seen.add(key)
    return [...seen]
  }

  return (
    <Show when={props.records.length > 0} fallback={<p class="muted">{props.empty}</p>}>
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">{props.caption}</caption>
          <thead>
            <tr>
              <For each={columns()}>{(column) => <th scope="col">{column}</th>}</For>
            </tr>
          </thead>
          <tbody>
            <For each={props.records}>
              {(record) => (
                <tr>
                  <For each={columns()}>
                    {(column) => <td>{formatWireValue(record[column])}</td>}
                  </For>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </Show>
  )
}
