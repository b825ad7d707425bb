import { Show } from 'solid-js'

/** Shows a failed action's message next to the action. Screen readers announce it as an alert. */
export default function ErrorText(props: { message: string | null | undefined }) {
  return (
    <Show when={props.message}>
      <p class="error" role="alert">
        {props.message}
      </p>
    </Show>
  )
}
