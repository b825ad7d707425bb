// Starts the whole product locally (D1 migrations, demo seed, `wrangler dev`) for e2e tests and
// benchmarks, and stops it again without leaving processes behind.
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'

import { seed } from './seed.mjs'
import { persistArgs, ROOT, runWrangler, WRANGLER, wranglerEnv } from './wrangler.mjs'

const HEALTH_TIMEOUT_MS = 90_000
const STOP_GRACE_MS = 5_000

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function isAlive(pid) {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal)
  } catch (error) {
    if (error.code !== 'ESRCH') throw error
  }
}

// Fails fast when something already listens on the port: its /api/health could otherwise pass for
// ours while wrangler exits with "address already in use".
function assertPortFree(port) {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (error) => {
      const reason = error.code === 'EADDRINUSE' ? 'is already in use' : `failed: ${error.message}`
      reject(
        new Error(`Port ${port} on 127.0.0.1 ${reason}. Stop that server or pick another port.`),
      )
    })
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()))
  })
}

async function waitForHealth(url, child, output) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler dev exited before ${url}/api/health responded:\n${output()}`)
    }
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) })
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    await delay(250)
  }
  throw new Error(
    `${url}/api/health did not respond within ${HEALTH_TIMEOUT_MS / 1000} s:\n${output()}`,
  )
}

/**
 * Runs `wrangler dev --local` on 127.0.0.1:`port` in its own process group and waits until
 * `/api/health` responds with 200. With `inheritOutput` wrangler's output goes to this process's terminal;
 * otherwise the last 64 KB are kept for error messages. `config` names another wrangler
 * configuration than `wrangler.toml`, relative to the repository root, or several, which
 * `wrangler dev` runs together with the first one's routes. Returns the URL and
 * `stop()`, which ends wrangler and workerd together and resolves once none of the group is left.
 */
export async function startDevServer({
  port = 8787,
  persistTo,
  inheritOutput = false,
  config,
} = {}) {
  // wrangler dev exits with an error when the assets directory from wrangler.toml is missing,
  // as it is before the first build.
  mkdirSync(path.join(ROOT, 'dist', 'web'), { recursive: true })
  await assertPortFree(port)

  const args = ['dev', '--local', '--ip', '127.0.0.1', '--port', String(port)]
  for (const file of [config ?? []].flat()) args.push('--config', file)
  args.push('--show-interactive-dev-session=false', ...persistArgs(persistTo))
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: wranglerEnv(),
    detached: true,
    stdio: ['ignore', inheritOutput ? 'inherit' : 'pipe', inheritOutput ? 'inherit' : 'pipe'],
  })
  let log = ''
  const keep = (chunk) => (log = (log + chunk).slice(-65_536))
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)

  const url = `http://127.0.0.1:${port}`
  // wrangler runs in its own process group, so it would outlive this process unless killed here
  // when the caller exits without calling stop().
  const killOnExit = () => killGroup(child.pid, 'SIGKILL')
  process.once('exit', killOnExit)

  let stopped
  const stop = () => {
    stopped ??= (async () => {
      process.off('exit', killOnExit)
      killGroup(child.pid, 'SIGTERM')
      const deadline = Date.now() + STOP_GRACE_MS
      while (isAlive(child.pid) && Date.now() < deadline) await delay(100)
      if (isAlive(child.pid)) killGroup(child.pid, 'SIGKILL')
      while (isAlive(child.pid)) await delay(50)
    })()
    return stopped
  }

  try {
    await waitForHealth(url, child, () => log.split('\n').slice(-30).join('\n'))
  } catch (error) {
    await stop()
    throw error
  }
  return { url, stop }
}

/**
 * Starts a fresh or existing local stack under `persistTo`: applies D1 migrations, seeds the demo
 * org (setting the admin's password to `adminPassword` when given), and serves it on
 * http://127.0.0.1:`port`, with wrangler configuration `config` when given (see
 * `startDevServer`). Returns `{ url, stop }`; call `stop()` when done.
 */
export async function startStack({ port = 8787, persistTo, adminPassword, config } = {}) {
  if (persistTo) mkdirSync(persistTo, { recursive: true })
  await runWrangler(['d1', 'migrations', 'apply', 'DB', '--local', ...persistArgs(persistTo)])
  await seed({ persistTo, adminPassword })
  const { url, stop } = await startDevServer({ port, persistTo, config })
  return { url, stop }
}
