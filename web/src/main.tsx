import { Route, Router } from '@solidjs/router'
import { lazy } from 'solid-js'
import { render } from 'solid-js/web'

import Layout from './components/Layout'
import NotBuilt from './pages/NotBuilt'
import './styles.css'

const SignIn = lazy(() => import('./pages/SignIn'))
const SourceOverview = lazy(() => import('./pages/SourceOverview'))
const ApiStatus = lazy(() => import('./pages/ApiStatus'))
const ApiUpload = lazy(() => import('./pages/ApiUpload'))
const Accounts = lazy(() => import('./pages/Accounts'))
const People = lazy(() => import('./pages/People'))

render(
  () => (
    <Router>
      <Route path="/sign-in" component={SignIn} />
      <Route path="/" component={Layout}>
        <Route path="/" component={SourceOverview} />
        <Route
          path="/source-mapping"
          component={() => (
            <NotBuilt
              title="Source mapping"
              summary="Which platform field comes from which remote source, object and field."
            />
          )}
        />
        <Route
          path="/oauth"
          component={() => (
            <NotBuilt
              title="Manage OAuth"
              summary="Pick a provider, sign in to it, and the platform holds the tokens."
            />
          )}
        />
        <Route
          path="/credentials"
          component={() => (
            <NotBuilt
              title="Manage credentials"
              summary="Give the platform secrets for a system. They are stored or overwritten, never shown again."
            />
          )}
        />
        <Route path="/api-status" component={ApiStatus} />
        <Route path="/api-upload" component={ApiUpload} />
        <Route
          path="/email"
          component={() => (
            <NotBuilt
              title="Email configuration"
              summary="A sending domain and default From address, the DNS records to publish, and a check that they are live."
            />
          )}
        />
        <Route path="/accounts" component={Accounts} />
        <Route path="/accounts/:accountId" component={Accounts} />
        <Route path="/people" component={People} />
      </Route>
    </Router>
  ),
  document.getElementById('root')!,
)
