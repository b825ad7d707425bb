import { createResource, Show } from 'solid-js'

import ApiKeysPanel from '../components/ApiKeysPanel'
import CopyButton from '../components/CopyButton'
import ErrorText from '../components/ErrorText'
import EventSourcesPanel from '../components/EventSourcesPanel'
import { valueOf } from '../lib/resource'
import { errorMessage, trpc } from '../lib/trpc'

/** Builds the curl command that upserts one account, for the given API base URL. */
function curlExample(accountApiBase: string): string {
  return [
    `curl -X POST '${accountApiBase}/accounts?api_key=YOUR_API_KEY' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '{"records":[{"account_id":"acme-1","name":"Acme","join_date":1717200000000}]}'`,
  ].join('\n')
}

/**
 * Source overview: the org's Account API keys and base URL, its Bcc address, the Usage Event API
 * sources, and third-party sources.
 */
export default function SourceOverview() {
  const [overview] = createResource(() => trpc.orgs.overview.query())

  return (
    <section>
      <h1>Source overview</h1>
      <ErrorText
        message={
          overview.error ? `Could not load the overview: ${errorMessage(overview.error)}` : null
        }
      />

      <ApiKeysPanel />

      <Show when={valueOf(overview)}>
        {(info) => (
          <>
            <section class="panel" aria-labelledby="account-api-heading">
              <h2 id="account-api-heading">Account API</h2>
              <p>
                Natero-compatible: existing clients work after changing their base URL. Send the key
                as <code>?api_key=</code>, as HTTP Basic with user <code>api</code>, or as{' '}
                <code>Authorization: Bearer</code>.
              </p>
              <dl class="facts">
                <dt>Base URL</dt>
                <dd>
                  <code id="account-api-base">{info().accountApiBase}</code>{' '}
                  <CopyButton value={info().accountApiBase} label="Copy URL" />
                </dd>
                <dt>OpenAPI document</dt>
                <dd>
                  <a href="/api/v2/openapi.json">/api/v2/openapi.json</a>
                </dd>
              </dl>
              <h3>Example</h3>
              <pre class="code">{curlExample(info().accountApiBase)}</pre>
              <CopyButton value={curlExample(info().accountApiBase)} label="Copy command" />
            </section>

            <section class="panel" aria-labelledby="bcc-heading">
              <h2 id="bcc-heading">Bcc address</h2>
              <p>
                The org’s own inbound address for Bcc’d customer email. Recording mail sent to it is
                not built yet.
              </p>
              <p class="inline">
                <code id="bcc-address">{info().bccAddress}</code>
                <CopyButton value={info().bccAddress} label="Copy address" />
              </p>
            </section>
          </>
        )}
      </Show>

      <EventSourcesPanel />

      <section class="panel" aria-labelledby="third-party-heading">
        <h2 id="third-party-heading">Third-party sources</h2>
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">Third-party sources</caption>
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Status</th>
                <th scope="col">Last sync</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td colspan="3" class="muted">
                  No connectors are built yet. Connectors for CRM, billing and support systems will
                  appear here with their sync status once they exist.
                </td>
              </tr>
            </tbody>
          </table>
        </div>
      </section>
    </section>
  )
}
