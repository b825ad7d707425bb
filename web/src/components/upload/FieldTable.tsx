import { For, Show } from 'solid-js'

import type { UploadField } from './types'

/** Writes an example as a CSV cell would hold it: objects as JSON. */
function exampleText(example: unknown): string {
  if (example === null || example === undefined) return ''
  return typeof example === 'object' ? JSON.stringify(example) : String(example)
}

/** Says whether a field is required: Account API records need it only to be created. */
function requiredLabel(required: boolean, events: boolean): string {
  if (!required) return 'No'
  return events ? 'Yes' : 'Yes, to create'
}

/**
 * Lists the fields of the chosen API: required or not, type, format and an example. Records of
 * the Account API are created or updated, so required fields are required to create one; events
 * are only added. Only the Account API takes custom dimensions.
 */
export default function FieldTable(props: { fields: UploadField[]; events: boolean }) {
  return (
    <table class="upload-table">
      <thead>
        <tr>
          <th>Column</th>
          <th>Required</th>
          <th>Type</th>
          <th>Format</th>
          <th>Example</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        <For each={props.fields}>
          {(field) => (
            <tr>
              <td>
                <code>{field.name}</code>
              </td>
              <td>{requiredLabel(field.required, props.events)}</td>
              <td>{field.type}</td>
              <td>{field.format === 'epoch-ms' ? 'date (see below)' : (field.format ?? '')}</td>
              <td>{exampleText(field.example)}</td>
              <td>{field.description}</td>
            </tr>
          )}
        </For>
        <Show when={!props.events}>
          <tr>
            <td>
              <code>custom_label_dimensions.&lt;name&gt;</code>
            </td>
            <td>No</td>
            <td>string</td>
            <td>also custom_value_dimensions (number), custom_event_dimensions (date)</td>
            <td>
              <code>custom_label_dimensions.tier</code> = Gold
            </td>
            <td>A custom dimension; the part after the dot is its name.</td>
          </tr>
        </Show>
      </tbody>
    </table>
  )
}
