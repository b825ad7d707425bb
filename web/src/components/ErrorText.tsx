import { Show } from 'solid-js'

/** Shows a failed action's message next to the action; screen readers announce it. */
export default function ErrorText(props: { message: string | null | undefined }) {
  return (
    <Show when={props.message}>
      <p class="error" role="alert">
        {props.message}
      </p>
    </Show>
  )
}
