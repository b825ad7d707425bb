// Runs the project's own wrangler with telemetry and Cloudflare's `cf` lookup switched off, so local
// runs make no calls to Cloudflare.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Absolute path of the repository root (the folder holding wrangler.toml). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Path of the wrangler binary installed with the project. It is a Node script, started with this
 * process's own Node (`process.execPath`) because wrangler needs Node 22 and a bare `node` on PATH
 * may be older.
 */
export const WRANGLER = path.join(ROOT, 'node_modules', '.bin', 'wrangler')

/** Environment for every wrangler process: the caller's, plus the switches that keep it local. */
export function wranglerEnv(extra = {}) {
  return {
    ...process.env,
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_SEND_METRICS: 'false',
    // Makes `d1 migrations apply` skip its confirmation prompt when there is no terminal.
    CI: 'true',
    ...extra,
  }
}

/**
 * Runs `wrangler <args>` in the repository root and resolves with its stdout. Rejects with the
 * command and the tail of its output when it exits non-zero.
 */
export function runWrangler(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      env: wranglerEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) return resolve(stdout)
      const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-20).join('\n')
      reject(new Error(`wrangler ${args.join(' ')} exited with code ${code}:\n${output}`))
    })
  })
}

/** Returns `['--persist-to', dir]` when `dir` is set, so local state can live outside .wrangler. */
export function persistArgs(persistTo) {
  return persistTo ? ['--persist-to', persistTo] : []
}
