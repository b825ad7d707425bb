// Measures bulk upserts through the Account API: POSTs of 1000-record bodies to /api/v2/accounts.
//
// Usage: npm run bench:api [-- --posts N --port P]
//
// Starts a fresh local stack (migrations, demo seed, `wrangler dev --local` on 127.0.0.1) in a
// temporary folder. Signs in as the demo admin and creates an API key with keys.create. Then sends
// the POSTs one after another and prints records/s and the p50/p95 latency per POST. To measure a
// server that is already running instead, set BENCH_URL and BENCH_API_KEY.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

import { DEFAULT_DEMO_PASSWORD, DEMO_ADMIN_EMAIL } from '../scripts/seed.mjs'
import { startStack } from '../scripts/stack.mjs'

const RECORDS_PER_POST = 1000

const { values: options } = parseArgs({
  options: {
    posts: { type: 'string', default: '20' },
    port: { type: 'string', default: '8821' },
  },
})
const posts = Number(options.posts)
if (!Number.isInteger(posts) || posts < 1) {
  throw new Error(`--posts must be a positive integer, got '${options.posts}'`)
}

/** Signs in as the demo admin and creates an Account API key through tRPC. */
async function createKey(url, password) {
  const signIn = await fetch(`${url}/api/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: DEMO_ADMIN_EMAIL, password }),
  })
  if (!signIn.ok)
    throw new Error(`auth.signIn failed with ${signIn.status}: ${await signIn.text()}`)
  const cookies = signIn.headers.getSetCookie().map((cookie) => cookie.split(';')[0])
  const csrf = cookies.find((cookie) => cookie.startsWith('sy_csrf='))?.slice('sy_csrf='.length)

  const created = await fetch(`${url}/api/trpc/keys.create`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      cookie: cookies.join('; '),
      'x-csrf-token': csrf ?? '',
    },
    body: JSON.stringify({ label: `bench ${new Date().toISOString()}` }),
  })
  if (!created.ok)
    throw new Error(`keys.create failed with ${created.status}: ${await created.text()}`)
  return (await created.json()).result.data.key
}

/** Builds one POST body of 1000 accounts whose ids are unique across the run. */
function body(post) {
  const records = Array.from({ length: RECORDS_PER_POST }, (_, index) => ({
    account_id: `bench-${post}-${index}`,
    name: `Bench account ${post}-${index}`,
    join_date: 1_600_000_000_000 + index,
    tier: index % 2 === 0 ? 'Gold' : 'Silver',
    employees: index,
    custom_label_dimensions: [{ key: 'segment', value: 'bench' }],
    custom_value_dimensions: [{ key: 'seats', value: index }],
  }))
  return JSON.stringify({ records })
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]
}

async function run(url, key) {
  const durations = []
  let failed = 0
  const started = performance.now()
  for (let post = 0; post < posts; post++) {
    const payload = body(post)
    const before = performance.now()
    const response = await fetch(`${url}/api/v2/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: payload,
    })
    const result = await response.json()
    durations.push(performance.now() - before)
    if (response.status !== 200 || !result.status_is_ok) {
      throw new Error(`POST ${post} failed with ${response.status}: ${result.message}`)
    }
    failed += result.failed_results.length
  }
  const elapsedSeconds = (performance.now() - started) / 1000

  const sorted = [...durations].sort((a, b) => a - b)
  const records = posts * RECORDS_PER_POST
  console.log(
    `POSTs: ${posts} x ${RECORDS_PER_POST} records, sequential (${failed} records failed)`,
  )
  console.log(`throughput: ${Math.round(records / elapsedSeconds)} records/s`)
  console.log(
    `latency per POST: p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p95 ${percentile(sorted, 0.95).toFixed(1)} ms`,
  )
}

if (process.env.BENCH_URL) {
  if (!process.env.BENCH_API_KEY) throw new Error('BENCH_URL needs BENCH_API_KEY as well')
  await run(process.env.BENCH_URL, process.env.BENCH_API_KEY)
} else {
  const persistTo = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-'))
  const password = process.env.DEMO_ADMIN_PASSWORD ?? DEFAULT_DEMO_PASSWORD
  const stack = await startStack({ port: Number(options.port), persistTo, adminPassword: password })
  try {
    console.log(`stack: ${stack.url} (state in ${persistTo})`)
    await run(stack.url, await createKey(stack.url, password))
  } finally {
    await stack.stop()
    rmSync(persistTo, { recursive: true, force: true })
  }
}
