import { createSignal, For, Show } from 'solid-js'

import { roleLabels } from '../lib/format'
import { errorMessage, type RouterOutputs, trpc } from '../lib/trpc'
import CopyButton from './CopyButton'
import ErrorText from './ErrorText'

type Role = RouterOutputs['orgs']['members'][number]['role']

const roles = Object.keys(roleLabels) as Role[]

/** Admin form that adds a person to the org and shows their temporary password once. */
export default function AddMemberForm(props: { onAdded: () => void }) {
  const [email, setEmail] = createSignal('')
  const [name, setName] = createSignal('')
  const [role, setRole] = createSignal<Role>('viewer')
  const [busy, setBusy] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)
  const [added, setAdded] = createSignal<{ email: string; password: string } | null>(null)

  async function submit(event: SubmitEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const result = await trpc.orgs.addMember.mutate({
        email: email().trim(),
        name: name().trim(),
        role: role(),
      })
      setAdded({ email: result.member.email, password: result.temporaryPassword })
      setEmail('')
      setName('')
      props.onAdded()
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="panel" aria-labelledby="add-member-heading">
      <h2 id="add-member-heading">Add a person</h2>
      <Show when={added()}>
        {(person) => (
          <div class="new-key" role="status">
            <p>
              <strong>Give {person().email} this temporary password now.</strong> It will not be
              shown again.
            </p>
            <div class="inline">
              <label for="temporary-password" class="visually-hidden">
                Temporary password
              </label>
              <input id="temporary-password" class="key-value" readonly value={person().password} />
              <CopyButton value={person().password} label="Copy password" />
              <button type="button" class="secondary" onClick={() => setAdded(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </Show>
      <form class="inline" onSubmit={(event) => void submit(event)}>
        <label for="member-email">Email</label>
        <input
          id="member-email"
          type="email"
          required
          value={email()}
          onInput={(event) => setEmail(event.currentTarget.value)}
        />
        <label for="member-name">Name</label>
        <input
          id="member-name"
          required
          value={name()}
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <label for="member-role">Role</label>
        <select
          id="member-role"
          value={role()}
          onChange={(event) => setRole(event.currentTarget.value as Role)}
        >
          <For each={roles}>{(value) => <option value={value}>{roleLabels[value]}</option>}</For>
        </select>
        <button type="submit" disabled={busy()}>
          Add person
        </button>
      </form>
      <ErrorText message={error()} />
    </section>
  )
}
