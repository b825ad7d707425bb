import { Navigate, Route, Router, useParams } from '@solidjs/router'
import { lazy } from 'solid-js'
import { render } from 'solid-js/web'

import Layout from './components/Layout'
import { accountHref, decodeSegment } from './lib/links'
import { SessionProvider } from './lib/session'
import NotBuilt from './pages/NotBuilt'
import './styles.css'

const SignIn = lazy(() => import('./pages/SignIn'))
const SourceOverview = lazy(() => import('./pages/SourceOverview'))
const ApiStatus = lazy(() => import('./pages/ApiStatus'))
const ApiUpload = lazy(() => import('./pages/ApiUpload'))
const Accounts = lazy(() => import('./pages/Accounts'))
const AccountDetail = lazy(() => import('./pages/AccountDetail'))
const People = lazy(() => import('./pages/People'))
const NotFound = lazy(() => import('./pages/NotFound'))

function SourceMapping() {
  return (
    <NotBuilt
      title="Source mapping"
      summary="Which platform field comes from which remote source, object and field."
      planned={[
        'see, for each platform field, the source system, object and field it is read from',
        'change a mapping and preview the values it would bring in before saving',
      ]}
    />
  )
}

function ManageOAuth() {
  return (
    <NotBuilt
      title="Manage OAuth"
      summary="Connections to third-party systems that sign in with OAuth."
      planned={[
        'pick a provider and sign in to it, so the platform stores and refreshes its tokens',
        'see each connection’s status and disconnect it',
      ]}
    />
  )
}

function ManageCredentials() {
  return (
    <NotBuilt
      title="Manage credentials"
      summary="Secrets for systems that do not use OAuth."
      planned={[
        'give the platform a secret for a system; it is stored or overwritten, never shown again',
        'see when each credential was last set and by whom',
      ]}
    />
  )
}

function EmailConfiguration() {
  return (
    <NotBuilt
      title="Email configuration"
      summary="How the platform sends email on the org’s behalf."
      planned={[
        'set a sending domain and a default From address',
        'see the DNS records to publish and check that they are live',
      ]}
    />
  )
}

/**
 * Sends an old account link, `/accounts/<id>`, to `/accounts/view?id=<id>`. The static-assets layer
 * turns `%2F` in such a path into `/`, so the catch-all joins the segments back into one id.
 */
function AccountPathRedirect() {
  const params = useParams<{ accountId: string }>()
  const segments = params.accountId.split('/').map(decodeSegment)
  return <Navigate href={accountHref(segments.join('/'))} />
}

render(
  () => (
    <Router root={SessionProvider}>
      <Route path="/sign-in" component={SignIn} />
      <Route path="/" component={Layout}>
        <Route path="/" component={SourceOverview} />
        <Route path="/source-mapping" component={SourceMapping} />
        <Route path="/oauth" component={ManageOAuth} />
        <Route path="/credentials" component={ManageCredentials} />
        <Route path="/api-status" component={ApiStatus} />
        <Route path="/api-upload" component={ApiUpload} />
        <Route path="/email" component={EmailConfiguration} />
        <Route path="/accounts" component={Accounts} />
        <Route path="/accounts/view" component={AccountDetail} />
        <Route path="/accounts/*accountId" component={AccountPathRedirect} />
        <Route path="/people" component={People} />
        <Route path="*path" component={NotFound} />
      </Route>
    </Router>
  ),
  document.getElementById('root')!,
)
