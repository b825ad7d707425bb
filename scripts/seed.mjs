// Creates the demo org and its admin in the local D1 database.
//
// Usage: node scripts/seed.mjs [--persist-to DIR]
//
// The first run creates "Demo Org" and admin@demo.switchyard.local with the password in
// DEMO_ADMIN_PASSWORD (default switchyard-demo). Later runs change nothing, unless
// DEMO_ADMIN_PASSWORD is set, in which case the admin's password is reset to it and the admin is
// enabled and unlocked.
import { pbkdf2Sync, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

import { persistArgs, runWrangler } from './wrangler.mjs'

/** Email of the demo org's admin. */
export const DEMO_ADMIN_EMAIL = 'admin@demo.switchyard.local'

/** Password the demo admin gets when DEMO_ADMIN_PASSWORD is not set on the first seed. */
export const DEFAULT_DEMO_PASSWORD = 'switchyard-demo'

const DEMO_ORG_ID = 'org_demo'
const DEMO_ADMIN_ID = 'usr_demo_admin'

/**
 * Hashes a password exactly as worker/auth/password.ts does: PBKDF2-HMAC-SHA256, 100,000
 * iterations, 16-byte salt, 32-byte key, stored as `pbkdf2-sha256$100000$<salt>$<hash>`.
 */
export function hashPassword(password) {
  const salt = randomBytes(16)
  const hash = pbkdf2Sync(password, salt, 100_000, 32, 'sha256')
  return `pbkdf2-sha256$100000$${salt.toString('base64')}$${hash.toString('base64')}`
}

function quote(value) {
  return `'${String(value).replaceAll("'", "''")}'`
}

function seedSql({ passwordHash, resetPassword, now }) {
  const bccToken = `bcc_${randomBytes(10).toString('hex')}`
  const statements = [
    `INSERT OR IGNORE INTO orgs (id, name, bcc_token, created_at)
      VALUES (${quote(DEMO_ORG_ID)}, 'Demo Org', ${quote(bccToken)}, ${now});`,
    `INSERT OR IGNORE INTO users (id, org_id, email, name, role, password_hash, created_at)
      VALUES (${quote(DEMO_ADMIN_ID)}, ${quote(DEMO_ORG_ID)}, ${quote(DEMO_ADMIN_EMAIL)},
        'Demo Admin', 'admin', ${quote(passwordHash)}, ${now});`,
  ]
  if (resetPassword) {
    statements.push(
      `UPDATE users SET password_hash = ${quote(passwordHash)}, disabled_at = NULL
        WHERE email = ${quote(DEMO_ADMIN_EMAIL)};`,
      `DELETE FROM sign_in_throttles WHERE key = ${quote(`email:${DEMO_ADMIN_EMAIL}`)};`,
    )
  }
  return statements.join('\n')
}

async function demoAdminExists(persistTo) {
  const output = await runWrangler([
    'd1',
    'execute',
    'DB',
    '--local',
    ...persistArgs(persistTo),
    '--json',
    '--command',
    `SELECT count(*) AS n FROM users WHERE email = ${quote(DEMO_ADMIN_EMAIL)}`,
  ])
  const [result] = JSON.parse(output)
  return result.results[0].n > 0
}

/**
 * Seeds the local database under `persistTo` (wrangler's default .wrangler/state when unset).
 * `adminPassword`, when given, is set as the demo admin's password even if the admin exists.
 * Returns whether the admin was created and whether the password was reset.
 */
export async function seed({ persistTo, adminPassword } = {}) {
  const existed = await demoAdminExists(persistTo)
  const resetPassword = adminPassword !== undefined && adminPassword !== ''
  if (existed && !resetPassword) return { created: false, passwordReset: false }

  const sql = seedSql({
    passwordHash: hashPassword(resetPassword ? adminPassword : DEFAULT_DEMO_PASSWORD),
    resetPassword,
    now: Date.now(),
  })
  const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-seed-'))
  try {
    const file = path.join(folder, 'seed.sql')
    writeFileSync(file, sql)
    await runWrangler(['d1', 'execute', 'DB', '--local', ...persistArgs(persistTo), '--file', file])
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
  return { created: !existed, passwordReset: existed && resetPassword }
}

async function main() {
  const { values } = parseArgs({ options: { 'persist-to': { type: 'string' } } })
  const result = await seed({
    persistTo: values['persist-to'],
    adminPassword: process.env.DEMO_ADMIN_PASSWORD,
  })
  if (result.created) {
    console.log(`Seed: created "Demo Org" with admin ${DEMO_ADMIN_EMAIL}.`)
  } else if (result.passwordReset) {
    console.log(`Seed: reset the password of ${DEMO_ADMIN_EMAIL} to DEMO_ADMIN_PASSWORD.`)
  } else {
    console.log(`Seed: ${DEMO_ADMIN_EMAIL} already exists; nothing changed.`)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(`Seed failed: ${error.message}`)
    process.exit(1)
  })
}
