import { createResource, createSignal, For, Show } from 'solid-js'

import AddMemberForm from '../components/AddMemberForm'
import ErrorText from '../components/ErrorText'
import { formatTime, roleLabels } from '../lib/format'
import { valueOf } from '../lib/resource'
import { useIsAdmin, useSession } from '../lib/session'
import { errorMessage, type RouterOutputs, trpc } from '../lib/trpc'

type Member = RouterOutputs['orgs']['members'][number]
type Role = Member['role']

const roles = Object.keys(roleLabels) as Role[]

/** Changes one member's role and shows the server's message next to the control when it fails. */
function RoleCell(props: { member: Member; editable: boolean; onChanged: () => void }) {
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const selectId = () => `role-${props.member.id}`

  async function change(role: Role) {
    setBusy(true)
    setError(null)
    try {
      await trpc.orgs.setRole.mutate({ userId: props.member.id, role })
      props.onChanged()
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Show when={props.editable} fallback={roleLabels[props.member.role]}>
      <label for={selectId()} class="visually-hidden">
        Role of {props.member.name}
      </label>
      <select
        id={selectId()}
        value={props.member.role}
        disabled={busy()}
        onChange={(event) => void change(event.currentTarget.value as Role)}
      >
        <For each={roles}>{(value) => <option value={value}>{roleLabels[value]}</option>}</For>
      </select>
      <ErrorText message={error()} />
    </Show>
  )
}

/** People: the org's console users and their roles. Admins add people and change roles. */
export default function People() {
  const isAdmin = useIsAdmin()
  const { me } = useSession()
  const [members, { refetch }] = createResource(() => trpc.orgs.members.query())
  const isSelf = (member: Member) => valueOf(me)?.user.id === member.id

  return (
    <section>
      <h1>People</h1>
      <Show
        when={isAdmin()}
        fallback={<p class="muted">Only admins can add people or change roles.</p>}
      >
        <AddMemberForm onAdded={() => void refetch()} />
      </Show>

      <ErrorText message={members.error ? errorMessage(members.error) : null} />
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">People in this org</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Added</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            <For
              each={valueOf(members) ?? []}
              fallback={
                <tr>
                  <td colspan="5" class="muted">
                    {members.loading ? 'Loading…' : 'No people.'}
                  </td>
                </tr>
              }
            >
              {(member) => (
                <tr>
                  <td>
                    {member.name}
                    <Show when={isSelf(member)}>
                      <span class="muted"> (you)</span>
                    </Show>
                  </td>
                  <td>{member.email}</td>
                  <td>
                    <RoleCell
                      member={member}
                      editable={isAdmin() && !isSelf(member)}
                      onChanged={() => void refetch()}
                    />
                  </td>
                  <td>{formatTime(member.createdAt)}</td>
                  <td>
                    {member.disabledAt == null
                      ? 'Active'
                      : `Disabled ${formatTime(member.disabledAt)}`}
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </section>
  )
}
