import { A, useSearchParams } from '@solidjs/router'
import { TRPCClientError } from '@trpc/client'
import { createResource, For, Show } from 'solid-js'

import AccountUsage from '../components/AccountUsage'
import ErrorText from '../components/ErrorText'
import RecordTable, { formatWireValue } from '../components/RecordTable'
import { formatTime } from '../lib/format'
import { valueOf } from '../lib/resource'
import { errorMessage, trpc } from '../lib/trpc'

type WireRecord = Record<string, unknown>

const dimensionFields = [
  { field: 'custom_label_dimensions', kind: 'Text' },
  { field: 'custom_value_dimensions', kind: 'Number' },
  { field: 'custom_event_dimensions', kind: 'Date' },
] as const

/** Formats a scalar wire field. Epoch-millisecond dates also show as a local date and time. */
function formatField(key: string, value: unknown): string {
  const isTimestamp = typeof value === 'number' && /(_date|_time)$/.test(key)
  return isTimestamp ? `${formatTime(value)} (${value})` : formatWireValue(value)
}

/** Splits a wire record into its scalar fields and its nested (array or object) fields. */
function splitFields(record: WireRecord) {
  const scalars: [string, unknown][] = []
  const nested: [string, unknown][] = []
  for (const [key, value] of Object.entries(record)) {
    if (dimensionFields.some((dimension) => dimension.field === key)) continue
    if (value !== null && typeof value === 'object') nested.push([key, value])
    else scalars.push([key, value])
  }
  return { scalars, nested }
}

/** Lists an account's custom dimensions of every type as Key, Type and Value rows. */
function dimensionsOf(record: WireRecord): WireRecord[] {
  return dimensionFields.flatMap((dimension) => {
    const entries = record[dimension.field]
    if (!Array.isArray(entries)) return []
    return (entries as { key: string; value: unknown }[]).map((entry) => ({
      Key: entry.key,
      Type: dimension.kind,
      Value:
        dimension.kind === 'Date' && typeof entry.value === 'number'
          ? formatTime(entry.value)
          : entry.value,
    }))
  })
}

/** Returns whether a failed call was rejected because the record does not exist. */
function isNotFound(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data?.code === 'NOT_FOUND'
}

/**
 * One account as the Account API returns it, with its product users, contacts and usage. The
 * account id comes from the `id` query parameter (see `accountHref`).
 */
export default function AccountDetail() {
  const [params] = useSearchParams<{ id?: string }>()
  const accountId = () => params.id || undefined
  const [detail] = createResource(accountId, (id) => trpc.accounts.get.query({ accountId: id }))
  const account = () => valueOf(detail)?.account as WireRecord | undefined

  return (
    <section>
      <p>
        <A href="/accounts">← Accounts</A>
      </p>
      <Show when={accountId() === undefined}>
        <h1>No account chosen</h1>
        <p>
          This link names no account: it needs <code>?id=</code> followed by an account id. Pick an
          account from <A href="/accounts">Accounts</A>.
        </p>
      </Show>
      <Show when={detail.error}>
        <h1>Account {accountId()}</h1>
      </Show>
      <ErrorText
        message={
          detail.error
            ? isNotFound(detail.error)
              ? `This org has no account with id ${JSON.stringify(accountId())}. Check the id, or search for the account in Accounts.`
              : `Could not load account ${JSON.stringify(accountId())}: ${errorMessage(detail.error)}`
            : null
        }
      />
      <Show
        when={account()}
        fallback={
          <Show when={detail.loading}>
            <p class="muted" role="status">
              Loading account {accountId()}…
            </p>
          </Show>
        }
      >
        {(record) => (
          <>
            <h1>{formatWireValue(record().name)}</h1>
            <section class="panel" aria-labelledby="fields-heading">
              <h2 id="fields-heading">Fields</h2>
              <dl class="facts">
                <For each={splitFields(record()).scalars}>
                  {([key, value]) => (
                    <>
                      <dt>
                        <code>{key}</code>
                      </dt>
                      <dd>{formatField(key, value)}</dd>
                    </>
                  )}
                </For>
                <For each={splitFields(record()).nested}>
                  {([key, value]) => (
                    <>
                      <dt>
                        <code>{key}</code>
                      </dt>
                      <dd>
                        <pre class="code">{JSON.stringify(value, null, 2)}</pre>
                      </dd>
                    </>
                  )}
                </For>
              </dl>
            </section>

            <section class="panel" aria-labelledby="dimensions-heading">
              <h2 id="dimensions-heading">Custom dimensions</h2>
              <RecordTable
                caption="Custom dimensions"
                records={dimensionsOf(record())}
                empty="No custom dimensions."
              />
            </section>

            <section class="panel" aria-labelledby="users-heading">
              <h2 id="users-heading">Product users</h2>
              <RecordTable
                caption="Product users"
                records={(valueOf(detail)?.users ?? []) as WireRecord[]}
                empty="No product users."
              />
            </section>

            <section class="panel" aria-labelledby="contacts-heading">
              <h2 id="contacts-heading">Contacts</h2>
              <RecordTable
                caption="Contacts"
                records={(valueOf(detail)?.contacts ?? []) as WireRecord[]}
                empty="No contacts."
              />
            </section>
          </>
        )}
      </Show>

      {/* Events may name an account the Account API has not received yet; they still show. */}
      <Show when={account() || isNotFound(detail.error)}>
        <AccountUsage accountId={accountId()} />
      </Show>
    </section>
  )
}
