// Benchmarks a CSV upload end to end through the local stack. It generates an accounts file, sends
// it in parts as the console does, maps it and processes it through the queue. It prints rows per
// second and the peak resident memory of the workerd processes, in total and per process.
//
// Usage: npm run bench:csv -- [--rows 100000] [--port 8840]
// BENCH_TRACE=1 also prints the job's rows read and written at each 500 ms poll.
import { execFileSync } from 'node:child_process'
import {
  readdirSync,
  readlinkSync,
  createWriteStream,
  mkdtempSync,
  openSync,
  readSync,
  closeSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { setInterval, clearInterval } from 'node:timers'
import { parseArgs } from 'node:util'

import { startStack } from '../scripts/stack.mjs'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    port: { type: 'string', default: '8840' },
  },
})
const rows = Number(values.rows)
const port = Number(values.port)
const password = 'bench-csv-password'

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function writeAccountsCsv(file, count) {
  const out = createWriteStream(file)
  const write = (line) =>
    out.write(line) ? Promise.resolve() : new Promise((resolve) => out.once('drain', resolve))
  await write('account_id,name,join_date,industry,employees,custom_label_dimensions.tier\r\n')
  for (let i = 0; i < count; i++) {
    await write(
      `bench-${i},"Company ${i}, Inc",2021-03-${String((i % 28) + 1).padStart(2, '0')},Dairy,${i % 5000},Gold\r\n`,
    )
  }
  await new Promise((resolve) => out.end(resolve))
}

/** Lists every workerd process descended from this one, with its RSS in KiB. */
function workerdProcesses() {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' })
  const processes = table
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, ppid, rss, ...args]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      rss: Number(rss),
      command: args.join(' '),
    }))
  const descendants = new Set([process.pid])
  let grew = true
  while (grew) {
    grew = false
    for (const entry of processes) {
      if (descendants.has(entry.ppid) && !descendants.has(entry.pid)) {
        descendants.add(entry.pid)
        grew = true
      }
    }
  }
  return processes.filter(
    (entry) => descendants.has(entry.pid) && /(^|\/)workerd\b/.test(entry.command.split(' ')[0]),
  )
}

/** Counts the SQLite files (local D1, R2 metadata, Durable Objects) that process `pid` has open. */
function openSqliteFiles(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).endsWith('.sqlite')
      } catch {
        return false
      }
    }).length
  } catch {
    return 0
  }
}

/** Peak RSS per workerd process and of their sum, in KiB, updated by `sample()`. */
function memoryTracker() {
  const peaks = new Map()
  let peakSum = 0
  return {
    sample() {
      const processes = workerdProcesses()
      let sum = 0
      for (const entry of processes) {
        sum += entry.rss
        const known = peaks.get(entry.pid)
        const sqliteFiles = Math.max(known?.sqliteFiles ?? 0, openSqliteFiles(entry.pid))
        if (!known || known.rss < entry.rss) peaks.set(entry.pid, { ...entry, sqliteFiles })
        else known.sqliteFiles = sqliteFiles
      }
      peakSum = Math.max(peakSum, sum)
    },
    report() {
      const lines = [...peaks.values()].map(
        (entry) =>
          `  pid ${entry.pid}: peak ${(entry.rss / 1024).toFixed(0)} MiB, ${entry.sqliteFiles} SQLite files open`,
      )
      return { peakSum, lines }
    },
  }
}

async function signIn(url) {
  const response = await fetch(`${url}/api/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@demo.switchyard.local', password }),
  })
  if (!response.ok)
    throw new Error(`Sign-in failed: HTTP ${response.status} ${await response.text()}`)
  const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0])
  const csrf = cookies.find((cookie) => cookie.startsWith('sy_csrf='))?.slice('sy_csrf='.length)
  return { cookie: cookies.join('; '), 'x-csrf-token': decodeURIComponent(csrf ?? '') }
}

async function call(url, headers, procedure, input, method = 'POST') {
  const query = method === 'GET' ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ''
  const response = await fetch(`${url}/api/trpc/${procedure}${query}`, {
    method,
    headers: { ...headers, 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(input),
  })
  const json = await response.json()
  if (!response.ok) throw new Error(`${procedure}: ${json.error?.message ?? response.status}`)
  return json.result.data
}

async function sendParts(url, headers, file, job, partSize, partCount) {
  const fd = openSync(file, 'r')
  try {
    for (let part = 1; part <= partCount; part++) {
      const start = (part - 1) * partSize
      const length = Math.min(partSize, job.size - start)
      const buffer = Buffer.alloc(length)
      readSync(fd, buffer, 0, length, start)
      const response = await fetch(`${url}/api/uploads/${job.id}/parts/${part}`, {
        method: 'PUT',
        headers,
        body: buffer,
      })
      if (!response.ok) throw new Error(`Part ${part}: ${await response.text()}`)
    }
  } finally {
    closeSync(fd)
  }
  const response = await fetch(`${url}/api/uploads/${job.id}/complete`, { method: 'POST', headers })
  if (!response.ok) throw new Error(`Complete: ${await response.text()}`)
  return (await response.json()).preflight
}

async function main() {
  const workDir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-csv-'))
  const file = path.join(workDir, 'accounts.csv')
  await writeAccountsCsv(file, rows)
  const size = statSync(file).size
  const stack = await startStack({
    port,
    persistTo: path.join(workDir, 'state'),
    adminPassword: password,
  })
  const memory = memoryTracker()
  memory.sample()
  const sampler = setInterval(() => memory.sample(), 250)
  try {
    const headers = await signIn(stack.url)
    const uploadStart = performance.now()
    const created = await call(stack.url, headers, 'uploads.create', {
      entity: 'accounts',
      fileName: 'bench.csv',
      size,
    })
    const preflight = await sendParts(
      stack.url,
      headers,
      file,
      created.job,
      created.partSize,
      created.partCount,
    )
    const uploadSeconds = (performance.now() - uploadStart) / 1000
    if (preflight.blocking)
      throw new Error(`Preflight blocked: ${JSON.stringify(preflight.findings)}`)

    const processStart = performance.now()
    await call(stack.url, headers, 'uploads.start', {
      jobId: created.job.id,
      mapping: preflight.mapping,
    })
    let job
    do {
      await delay(500)
      job = await call(stack.url, headers, 'uploads.get', { jobId: created.job.id }, 'GET')
      if (process.env.BENCH_TRACE) {
        const seconds = ((performance.now() - processStart) / 1000).toFixed(1)
        console.log(
          `${seconds} s: read ${job.progress.rowsRead}, written ${job.progress.rowsWritten}`,
        )
      }
    } while (['queued', 'running'].includes(job.status))
    const processSeconds = (performance.now() - processStart) / 1000
    const totalSeconds = uploadSeconds + processSeconds

    console.log(`file: ${rows} rows, ${(size / 1048576).toFixed(1)} MiB`)
    console.log(
      `status: ${job.status}, written ${job.progress.rowsWritten}, failed ${job.progress.rowsFailed}`,
    )
    console.log(
      `upload + preflight: ${uploadSeconds.toFixed(1)} s (${(size / 1048576 / uploadSeconds).toFixed(1)} MiB/s)`,
    )
    console.log(
      `processing: ${processSeconds.toFixed(1)} s (${Math.round(rows / processSeconds)} rows/s)`,
    )
    console.log(
      `end to end: ${totalSeconds.toFixed(1)} s (${Math.round(rows / totalSeconds)} rows/s)`,
    )
    const { peakSum, lines } = memory.report()
    console.log(`peak workerd RSS: ${(peakSum / 1024).toFixed(0)} MiB (sampled every 250 ms)`)
    console.log(`per workerd process:\n${lines.join('\n')}`)
  } finally {
    clearInterval(sampler)
    await stack.stop()
    rmSync(workDir, { recursive: true, force: true })
  }
}

await main()
