import { Show } from 'solid-js'

import { signInHref } from '../lib/links'
import { SESSION_ENDED_MESSAGE } from '../lib/trpc'

/**
 * Shows a failed action's message next to the action. Screen readers announce it as an alert.
 * A message saying the session ended gets a link to the sign-in page.
 */
export default function ErrorText(props: { message: string | null | undefined }) {
  return (
    <Show when={props.message}>
      {(message) => (
        <p class="error" role="alert">
          {message()}
          <Show when={message().includes(SESSION_ENDED_MESSAGE)}>
            {' '}
            {/* A full page load, so the console reads the session afresh. */}
            <a href={signInHref('session-ended')}>Sign in</a>
          </Show>
        </p>
      )}
    </Show>
  )
}
