import CopyButton from './CopyButton'

/** Shows a just-created key in full, once, with a copy button and a warning to store it now. */
export default function NewKeyNotice(props: { label: string; apiKey: string; onDone: () => void }) {
  return (
    <div class="new-key" role="status">
      <p>
        <strong>Copy the key for “{props.label}” now.</strong> It will not be shown again: only its
        hash is stored. If it is lost, roll or revoke it and create another.
      </p>
      <div class="inline">
        <label for="new-api-key" class="visually-hidden">
          New API key
        </label>
        <input id="new-api-key" class="key-value" readonly value={props.apiKey} />
        <CopyButton value={props.apiKey} label="Copy key" />
        <button type="button" class="secondary" onClick={() => props.onDone()}>
          I have stored it
        </button>
      </div>
    </div>
  )
}
