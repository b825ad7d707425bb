// Measures the Usage Event API against a bare Worker that only queues the body, all under
// `wrangler dev --local` on 127.0.0.1. Prints accepted events/s for batches of 100 and 1000,
// p50/p99 latency of single-event requests, each target's share of the baseline, and how fast the
// events consumer stores new events.
//
// Locally one workerd thread runs the Worker, its queue consumer, D1 and the Durable Objects, so a
// consumer that stores events takes the thread from ingestion. On Cloudflare they run apart. The
// Event API therefore runs twice: as configured (consumer storing), and with its events consumer
// replaced by an ack-only one (bench/ack-consumer), as the bare Worker's is, which measures
// ingestion alone.
//
// Usage: npm run bench:events [-- --seconds 10 --concurrency 8 --single-requests 500
//   --drain-requests 100]
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

import { startStack } from '../scripts/stack.mjs'
import { ROOT, WRANGLER, wranglerEnv } from '../scripts/wrangler.mjs'

const STACK_PORT = 8850
const BARE_PORT = 8851
const INGEST_ONLY_PORT = 8852
/** Generated beside wrangler.toml so its relative paths still hold; deleted after the run. */
const INGEST_ONLY_CONFIG = 'wrangler.bench-ingest-only.toml'
const ADMIN_EMAIL = 'admin@demo.switchyard.local'
const ADMIN_PASSWORD = 'bench-events-password'

const { values: options } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    'single-requests': { type: 'string', default: '500' },
    'drain-requests': { type: 'string', default: '100' },
  },
})
const SECONDS = Number(options.seconds)
const CONCURRENCY = Number(options.concurrency)
const SINGLE_REQUESTS = Number(options['single-requests'])
const DRAIN_REQUESTS = Number(options['drain-requests'])
const DRAIN_BATCH = 1000

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Starts the bare Worker in its own process group and waits until it responds. */
async function startBareWorker(persistTo) {
  const config = path.join(ROOT, 'bench', 'bare-worker', 'wrangler.toml')
  const args = [
    'dev',
    '--config',
    config,
    '--local',
    '--ip',
    '127.0.0.1',
    '--port',
    String(BARE_PORT),
  ]
  args.push('--show-interactive-dev-session=false', '--persist-to', persistTo)
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: wranglerEnv(),
    detached: true,
    stdio: 'ignore',
  })
  const url = `http://127.0.0.1:${BARE_PORT}`
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      return
    }
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(-child.pid, 0)
      } catch {
        return
      }
      await delay(100)
    }
    process.kill(-child.pid, 'SIGKILL')
  }
  for (let i = 0; i < 240; i++) {
    try {
      // /ingest reaches the Worker (run_worker_first); `/` would be served by the asset router.
      if ((await fetch(`${url}/ingest`)).ok) return { url, stop }
    } catch {
      // Not listening yet.
    }
    await delay(250)
  }
  await stop()
  throw new Error(
    `The bare Worker did not respond on ${url} within 60 s; run it alone with wrangler dev --config bench/bare-worker/wrangler.toml to see why`,
  )
}

/**
 * Signs in as the demo admin and creates an event source; returns its endpoint path and the
 * session's cookie header.
 */
async function createSource(url) {
  const signIn = await fetch(`${url}/api/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  })
  if (!signIn.ok)
    throw new Error(`Sign-in failed with HTTP ${signIn.status}: ${await signIn.text()}`)
  const cookies = signIn.headers.getSetCookie().map((cookie) => cookie.split(';')[0])
  const csrf = cookies.find((cookie) => cookie.startsWith('sy_csrf='))?.slice('sy_csrf='.length)
  const created = await fetch(`${url}/api/trpc/eventSources.create`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      cookie: cookies.join('; '),
      'x-csrf-token': csrf,
    },
    body: JSON.stringify({ name: 'Benchmark' }),
  })
  const body = await created.json()
  if (!created.ok) throw new Error(`Creating a source failed: ${JSON.stringify(body)}`)
  const { authKey, source } = body.result.data
  return { endpoint: `/v1/${authKey}/${source.sendKey}`, cookie: cookies.join('; ') }
}

/**
 * Writes a copy of wrangler.toml without the consumer of the events queue, so accepted events
 * stay queued and the thread serves ingestion alone.
 */
function writeIngestOnlyConfig() {
  const source = readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8')
  const consumer = /\[\[queues\.consumers\]\]\nqueue = "switchyard-events"\n[\s\S]*?(?=\n\[)/
  if (!consumer.test(source)) {
    throw new Error(
      'wrangler.toml has no [[queues.consumers]] block for "switchyard-events"; update writeIngestOnlyConfig in bench/events.mjs to match it',
    )
  }
  writeFileSync(path.join(ROOT, INGEST_ONLY_CONFIG), source.replace(consumer, ''))
}

/**
 * Builds an NDJSON body of `count` feature events spread over 50 users of 10 accounts. Bodies
 * with different `request` numbers share no event, so the consumer stores each as new.
 */
function ndjsonBody(count, { request = 0, accountPrefix = 'acc' } = {}) {
  const now = Date.now()
  const lines = []
  for (let i = 0; i < count; i++) {
    lines.push(
      JSON.stringify({
        account_id: `${accountPrefix}_${i % 10}`,
        user_id: `user_${i % 50}`,
        created_at: now - request * count - i,
        session_id: `sess_${i % 50}`,
        action: 'feature',
        feature: `feature_${i % 20}`,
        module: 'reports',
      }),
    )
  }
  return lines.join('\n')
}

async function send(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  const result = await response.json()
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(result)}`)
  return result.accepted
}

/** Sends `body` from CONCURRENCY loops for SECONDS and returns accepted events per second. */
async function throughput(url, body) {
  const deadline = Date.now() + SECONDS * 1000
  const started = performance.now()
  let accepted = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        // Not `accepted += await send(...)`: that reads `accepted` before the await, so the
        // concurrent loops would overwrite each other's counts.
        const count = await send(url, body)
        accepted += count
      }
    }),
  )
  return accepted / ((performance.now() - started) / 1000)
}

/** Sends SINGLE_REQUESTS one-event requests one after another; returns p50 and p99 in ms. */
async function latency(url) {
  const body = ndjsonBody(1)
  const times = []
  for (let i = 0; i < SINGLE_REQUESTS; i++) {
    const started = performance.now()
    await send(url, body)
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))]
  return { p50: at(0.5), p99: at(0.99) }
}

const PHASES = [
  { name: 'batches of 100', run: (url) => throughput(url, ndjsonBody(100)) },
  { name: 'batches of 1000', run: (url) => throughput(url, ndjsonBody(1000)) },
]

/** Sums the stored events of unknown accounts whose id starts with `prefix`, from the rollups. */
async function storedEvents(url, cookie, prefix) {
  const input = encodeURIComponent(JSON.stringify({ days: 2 }))
  const response = await fetch(`${url}/api/trpc/usage.unknownAccounts?input=${input}`, {
    headers: { cookie },
  })
  const body = await response.json()
  if (!response.ok) throw new Error(`Reading usage failed: ${JSON.stringify(body)}`)
  return body.result.data
    .filter((row) => row.accountId.startsWith(prefix))
    .reduce((sum, row) => sum + row.events, 0)
}

/** Polls until `count` events of accounts starting with `prefix` are stored; returns when. */
async function waitUntilStored(target, prefix, count) {
  const deadline = Date.now() + 300_000
  while ((await storedEvents(target.stackUrl, target.cookie, prefix)) < count) {
    if (Date.now() > deadline) {
      throw new Error(`${target.label}: ${count} events under ${prefix} not stored within 300 s`)
    }
    await delay(100)
  }
  return performance.now()
}

let settles = 0

/**
 * Waits until the storing consumer has worked off what earlier phases queued, so its backlog does
 * not take the CPU from the next target. It sends one event of a new account and waits until that
 * is stored, because messages are delivered roughly in the order they were sent.
 */
async function settle(target) {
  if (!target.storing) return
  const prefix = `settle_${++settles}`
  await send(target.url, ndjsonBody(1, { accountPrefix: prefix }))
  await waitUntilStored(target, prefix, 1)
}

/**
 * Runs each phase against every target in turn, so all see the same load from other processes on
 * the machine. Returns the figures per target.
 */
async function measure(targets) {
  for (const target of targets) {
    await throughput(target.url, ndjsonBody(100)) // warm-up
    await settle(target)
  }
  const figures = targets.map(() => ({}))
  for (const phase of PHASES) {
    for (const [index, target] of targets.entries()) {
      figures[index][phase.name] = await phase.run(target.url)
      console.log(
        `${target.label}: ${figures[index][phase.name].toFixed(0)} events/s (${phase.name})`,
      )
      await settle(target)
    }
  }
  for (const [index, target] of targets.entries()) {
    figures[index].single = await latency(target.url)
    const { p50, p99 } = figures[index].single
    console.log(`${target.label}: single event p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`)
    await settle(target)
  }
  return figures
}

/**
 * Sends DRAIN_REQUESTS bodies of DRAIN_BATCH new events from CONCURRENCY senders and waits until
 * the consumer has stored all of them. Returns the events and the seconds to accept and to store.
 */
async function drain(target) {
  const prefix = 'drain'
  let next = 0
  let accepted = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < DRAIN_REQUESTS) {
        const body = ndjsonBody(DRAIN_BATCH, { request: next++, accountPrefix: prefix })
        const count = await send(target.url, body)
        accepted += count
      }
    }),
  )
  const acceptedAt = performance.now()
  const storedAt = await waitUntilStored(target, prefix, accepted)
  return {
    events: accepted,
    acceptSeconds: (acceptedAt - started) / 1000,
    storeSeconds: (storedAt - started) / 1000,
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-events-'))
let stack
let ingestOnly
let bare
try {
  stack = await startStack({
    port: STACK_PORT,
    persistTo: path.join(dir, 'stack'),
    adminPassword: ADMIN_PASSWORD,
  })
  writeIngestOnlyConfig()
  ingestOnly = await startStack({
    port: INGEST_ONLY_PORT,
    persistTo: path.join(dir, 'ingest-only'),
    adminPassword: ADMIN_PASSWORD,
    config: [INGEST_ONLY_CONFIG, 'bench/ack-consumer/wrangler.toml'],
  })
  bare = await startBareWorker(path.join(dir, 'bare'))
  const storing = await createSource(stack.url)
  const alone = await createSource(ingestOnly.url)
  console.log(
    `${SECONDS} s per throughput run, ${CONCURRENCY} concurrent senders, ` +
      `${SINGLE_REQUESTS} sequential single-event requests; ${os.cpus().length} CPUs`,
  )

  const storingTarget = {
    label: 'Event API, consumer storing',
    url: `${stack.url}${storing.endpoint}`,
    stackUrl: stack.url,
    cookie: storing.cookie,
    storing: true,
  }
  const [baseline, ingestion, stored] = await measure([
    { label: 'bare Worker (queue only)', url: `${bare.url}/ingest` },
    { label: 'Event API, ingestion alone', url: `${ingestOnly.url}${alone.endpoint}` },
    storingTarget,
  ])
  for (const [label, figures] of [
    ['ingestion alone', ingestion],
    ['consumer storing', stored],
  ]) {
    const share = (phase) => `${((figures[phase] / baseline[phase]) * 100).toFixed(0)}%`
    console.log(
      `Event API (${label}) share of baseline: ${share('batches of 100')} (batches of 100), ` +
        `${share('batches of 1000')} (batches of 1000), ` +
        `single-event p50 latency ${(figures.single.p50 / baseline.single.p50).toFixed(2)}x baseline`,
    )
  }

  const drained = await drain(storingTarget)
  console.log(
    `Consumer: ${drained.events} new events (${DRAIN_REQUESTS} requests of ${DRAIN_BATCH}) ` +
      `accepted in ${drained.acceptSeconds.toFixed(2)} s and stored with rollups in ` +
      `${drained.storeSeconds.toFixed(2)} s: ` +
      `${(drained.events / drained.storeSeconds).toFixed(0)} events/s stored`,
  )
} finally {
  await bare?.stop()
  await ingestOnly?.stop()
  await stack?.stop()
  rmSync(dir, { recursive: true, force: true })
  rmSync(path.join(ROOT, INGEST_ONLY_CONFIG), { force: true })
  // wrangler writes its build output beside the config; the linter would read it otherwise.
  rmSync(path.join(ROOT, 'bench', 'bare-worker', '.wrangler'), { recursive: true, force: true })
}
