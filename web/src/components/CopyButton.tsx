import { createSignal } from 'solid-js'

/** Copies `value` to the clipboard and shows whether copying succeeded. */
export default function CopyButton(props: { value: string; label?: string }) {
  const [state, setState] = createSignal<'idle' | 'copied' | 'failed'>('idle')

  async function copy() {
    try {
      await navigator.clipboard.writeText(props.value)
      setState('copied')
    } catch {
      // Clipboard access needs a secure context and permission. The value stays on the page to select by hand.
      setState('failed')
    }
    setTimeout(() => setState('idle'), 2000)
  }

  return (
    <button type="button" class="secondary" onClick={() => void copy()}>
      {state() === 'copied'
        ? 'Copied'
        : state() === 'failed'
          ? 'Copy failed'
          : (props.label ?? 'Copy')}
    </button>
  )
}
