import { createSignal, For, Show } from 'solid-js'

import type { PreflightReport, UploadField } from './types'

function snakeCase(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
}

/**
 * Targets offered for one column: every field, and this column as a custom dimension when the
 * API takes them.
 */
function targetsFor(column: string, fields: UploadField[], dimensions: boolean): string[] {
  const key = snakeCase(column) || 'column'
  const names = fields.map((field) => field.name)
  if (!dimensions) return names
  return [
    ...names,
    `custom_label_dimensions.${key}`,
    `custom_value_dimensions.${key}`,
    `custom_event_dimensions.${key}`,
  ]
}

/**
 * Maps each file column to a field, starting from the suggestions, with sample values and the
 * reason for each suggestion. Choosing "Leave out" drops the column.
 */
export default function MappingEditor(props: {
  report: PreflightReport
  fields: UploadField[]
  /** False when the API takes no custom dimension columns, as for events. */
  dimensions: boolean
  mapping: Record<string, string>
  onChange: (mapping: Record<string, string>) => void
}) {
  const suggestionOf = (column: string) =>
    props.report.suggestions.find((suggestion) => suggestion.column === column)
  // A guessed custom dimension stays marked until the user picks another target or leaves it out.
  const [kept, setKept] = createSignal<string[]>([])
  const unconfirmed = (column: string) => {
    const suggestion = suggestionOf(column)
    if (suggestion?.unconfirmed !== true || kept().includes(column)) return false
    return props.mapping[column] === suggestion.target
  }
  const samples = (column: string) =>
    props.report.preview
      .slice(0, 3)
      .map((row) => row[column] ?? '')
      .join(' · ')

  const choose = (column: string, target: string) => {
    const next = { ...props.mapping }
    if (target === '') delete next[column]
    else next[column] = target
    props.onChange(next)
  }

  return (
    <table class="upload-table">
      <thead>
        <tr>
          <th>File column</th>
          <th>Sample values</th>
          <th>Goes to</th>
          <th>Why</th>
        </tr>
      </thead>
      <tbody>
        <For each={props.report.header}>
          {(column) => (
            <tr>
              <td>{column}</td>
              <td class="samples">{samples(column)}</td>
              <td>
                <select
                  aria-label={`Field for column ${column}`}
                  value={props.mapping[column] ?? ''}
                  onChange={(event) => choose(column, event.currentTarget.value)}
                >
                  <option value="">Leave out</option>
                  <For each={targetsFor(column, props.fields, props.dimensions)}>
                    {(target) => <option value={target}>{target}</option>}
                  </For>
                </select>
              </td>
              <td>
                <Show when={unconfirmed(column)}>
                  <strong class="unconfirmed">Suggested, not confirmed: </strong>
                </Show>
                {suggestionOf(column)?.reason ?? ''}
                <Show when={unconfirmed(column)}>
                  {' '}
                  <button
                    type="button"
                    aria-label={`Keep column ${column} as ${props.mapping[column]}`}
                    onClick={() => setKept([...kept(), column])}
                  >
                    Keep
                  </button>
                </Show>
              </td>
            </tr>
          )}
        </For>
      </tbody>
    </table>
  )
}
