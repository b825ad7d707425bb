import { createSignal, Match, Show, Switch } from 'solid-js'

import { formatTime } from '../lib/format'
import { errorMessage, type RouterOutputs, trpc } from '../lib/trpc'
import ErrorText from './ErrorText'

/** One row of `keys.list`. */
export type ApiKeyInfo = RouterOutputs['keys']['list'][number]

/** Grace periods offered when rolling a key, in seconds the old key keeps working. */
const gracePeriods = [
  { seconds: 0, label: 'Immediately' },
  { seconds: 3600, label: 'After 1 hour' },
  { seconds: 86_400, label: 'After 24 hours' },
  { seconds: 604_800, label: 'After 7 days' },
]

const statusLabels: Record<ApiKeyInfo['status'], string> = {
  active: 'Active',
  expiring: 'Expiring',
  expired: 'Expired',
  revoked: 'Revoked',
}

/**
 * One API key in the keys table. Admins may roll it (choosing when the old key stops working) or
 * revoke it after confirming.
 */
export default function ApiKeyRow(props: {
  apiKey: ApiKeyInfo
  canManage: boolean
  onRolled: (label: string, key: string) => void
  onChanged: () => void
}) {
  const [action, setAction] = createSignal<'none' | 'roll' | 'revoke'>('none')
  const [grace, setGrace] = createSignal(86_400)
  const [busy, setBusy] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)
  const usable = () => props.apiKey.status === 'active'
  // A rolled key in its grace period can still be revoked, to end the grace period early.
  const revocable = () => usable() || props.apiKey.status === 'expiring'
  const graceId = () => `grace-${props.apiKey.id}`

  async function run(work: () => Promise<void>) {
    setBusy(true)
    setError(null)
    try {
      await work()
      setAction('none')
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }

  const roll = () =>
    run(async () => {
      const result = await trpc.keys.roll.mutate({ id: props.apiKey.id, graceSeconds: grace() })
      props.onRolled(result.apiKey.label, result.key)
      props.onChanged()
    })

  const revoke = () =>
    run(async () => {
      await trpc.keys.revoke.mutate({ id: props.apiKey.id })
      props.onChanged()
    })

  return (
    <tr>
      <td>{props.apiKey.label}</td>
      <td>
        <code>
          {props.apiKey.prefix}…{props.apiKey.lastFour}
        </code>
      </td>
      <td>
        {props.apiKey.createdByName ?? '—'}
        <div class="muted">{formatTime(props.apiKey.createdAt)}</div>
      </td>
      <td>{props.apiKey.lastUsedAt == null ? 'Never' : formatTime(props.apiKey.lastUsedAt)}</td>
      <td>
        <span class={`badge badge-${props.apiKey.status}`}>
          {statusLabels[props.apiKey.status]}
        </span>
        <Show when={props.apiKey.status === 'expiring' && props.apiKey.expiresAt}>
          <div class="muted">until {formatTime(props.apiKey.expiresAt)}</div>
        </Show>
      </td>
      <td>
        <div class="actions">
          <Show when={props.canManage && revocable()} fallback={<span class="muted">—</span>}>
            <Switch>
              <Match when={action() === 'none'}>
                <Show when={usable()}>
                  <button type="button" class="secondary" onClick={() => setAction('roll')}>
                    Roll
                  </button>
                </Show>
                <button type="button" class="danger" onClick={() => setAction('revoke')}>
                  Revoke
                </button>
              </Match>
              <Match when={action() === 'roll'}>
                <label for={graceId()}>Old key stops working</label>
                <select
                  id={graceId()}
                  value={grace()}
                  onChange={(event) => setGrace(Number(event.currentTarget.value))}
                >
                  {gracePeriods.map((period) => (
                    <option value={period.seconds}>{period.label}</option>
                  ))}
                </select>
                <button type="button" disabled={busy()} onClick={() => void roll()}>
                  Roll key
                </button>
                <button type="button" class="secondary" onClick={() => setAction('none')}>
                  Cancel
                </button>
              </Match>
              <Match when={action() === 'revoke'}>
                <span>Revoke “{props.apiKey.label}”? Calls with it fail at once.</span>
                <button
                  type="button"
                  class="danger"
                  disabled={busy()}
                  onClick={() => void revoke()}
                >
                  Revoke key
                </button>
                <button type="button" class="secondary" onClick={() => setAction('none')}>
                  Cancel
                </button>
              </Match>
            </Switch>
          </Show>
        </div>
        <ErrorText message={error()} />
      </td>
    </tr>
  )
}
