import { A, useSearchParams } from '@solidjs/router'
import { createEffect, createResource, createSignal, For, Show } from 'solid-js'

import ErrorText from '../components/ErrorText'
import { formatDate, formatTime } from '../lib/format'
import { accountHref } from '../lib/links'
import { valueOf } from '../lib/resource'
import { errorMessage, trpc } from '../lib/trpc'

const PAGE_SIZE = 50

/** Accounts: search by id or name, page through results, and open one. */
export default function Accounts() {
  const [params, setParams] = useSearchParams<{ q?: string; page?: string; inactive?: string }>()
  const [draft, setDraft] = createSignal(params.q ?? '')
  // Keeps the search box in step with the URL when Back or a shared link changes the search.
  createEffect(() => setDraft(params.q ?? ''))
  const page = () => Math.max(0, Number(params.page ?? '0') || 0)
  const query = () => ({
    search: params.q || undefined,
    page: page(),
    pageSize: PAGE_SIZE,
    includeInactive: params.inactive === '1',
  })
  const [result] = createResource(query, (input) => trpc.accounts.list.query(input))
  const total = () => valueOf(result)?.total ?? 0
  const lastPage = () => Math.max(0, Math.ceil(total() / PAGE_SIZE) - 1)

  const emptyText = () =>
    params.q
      ? `No accounts match ${JSON.stringify(params.q)}.`
      : 'No accounts yet. Send them with the Account API; Source overview has its URL and keys.'

  function search(event: SubmitEvent) {
    event.preventDefault()
    setParams({ q: draft().trim() || undefined, page: undefined })
  }

  return (
    <section>
      <h1>Accounts</h1>
      <form class="inline" role="search" onSubmit={search}>
        <label for="account-search">Search by account id or name</label>
        <input
          id="account-search"
          type="search"
          value={draft()}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
        <button type="submit">Search</button>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={params.inactive === '1'}
            onChange={(event) =>
              setParams({
                inactive: event.currentTarget.checked ? '1' : undefined,
                page: undefined,
              })
            }
          />
          Include inactive
        </label>
      </form>

      <ErrorText message={result.error ? errorMessage(result.error) : null} />
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">Accounts</caption>
          <thead>
            <tr>
              <th scope="col">Account id</th>
              <th scope="col">Name</th>
              <th scope="col">Join date</th>
              <th scope="col">Status</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            <For
              each={valueOf(result)?.rows ?? []}
              fallback={
                <tr>
                  <td colspan="5" class="muted">
                    {result.loading ? 'Loading…' : emptyText()}
                  </td>
                </tr>
              }
            >
              {(row) => (
                <tr>
                  <td>
                    <A href={accountHref(row.accountId)}>{row.accountId}</A>
                  </td>
                  <td>{row.name}</td>
                  <td>{formatDate(row.joinDate)}</td>
                  <td>{row.isActive ? 'Active' : 'Inactive'}</td>
                  <td>{formatTime(row.updatedAt)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>

      <Show when={total() > 0}>
        <nav class="pager" aria-label="Account pages">
          <button
            type="button"
            class="secondary"
            disabled={page() === 0}
            onClick={() => setParams({ page: String(page() - 1) })}
          >
            Previous
          </button>
          <span>
            Page {page() + 1} of {lastPage() + 1} ({total()} accounts)
          </span>
          <button
            type="button"
            class="secondary"
            disabled={page() >= lastPage()}
            onClick={() => setParams({ page: String(page() + 1) })}
          >
            Next
          </button>
        </nav>
      </Show>
    </section>
  )
}
