import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

import { type Browser, chromium, type Page } from 'playwright-core'
import { afterEach } from 'vitest'

/** Debian's Chromium; playwright-core ships no browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Ports these tests may bind, all on 127.0.0.1. */
const PORT_RANGE = { first: 8830, last: 8839 }

const ARTIFACTS_DIR = path.join(import.meta.dirname, 'artifacts')

/** The demo admin that `scripts/seed.mjs` creates on a fresh persist directory. */
export const DEMO_ADMIN = {
  email: 'admin@demo.switchyard.local',
  password: process.env.DEMO_ADMIN_PASSWORD ?? 'switchyard-demo',
}

/** A running Switchyard stack and how to stop it and remove its data. */
export interface Stack {
  url: string
  stop: () => Promise<void>
}

interface StackModule {
  startStack(options: {
    port: number
    persistTo: string
    adminPassword: string
  }): Promise<{ url: string; stop: () => Promise<void> | void }>
}

/** Returns true when nothing listens on `port` at 127.0.0.1. */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** Returns the first free port in this suite's range, or throws naming the range. */
export async function findFreePort(): Promise<number> {
  for (let port = PORT_RANGE.first; port <= PORT_RANGE.last; port++) {
    if (await isPortFree(port)) return port
  }
  throw new Error(
    `No free port in ${PORT_RANGE.first}-${PORT_RANGE.last} on 127.0.0.1; stop the process ` +
      'holding them (e.g. an earlier e2e run) and retry.',
  )
}

/**
 * Starts the stack with `scripts/stack.mjs` on a fresh temporary persist directory and a free port,
 * seeded with the demo org and admin. `stop()` ends wrangler and deletes the directory.
 */
export async function startTestStack(): Promise<Stack> {
  const persistTo = await mkdtemp(path.join(tmpdir(), 'switchyard-e2e-'))
  const port = await findFreePort()
  // A computed specifier: stack.mjs is plain JavaScript, typed here by StackModule.
  const modulePath = path.join(import.meta.dirname, '..', 'scripts', 'stack.mjs')
  const { startStack } = (await import(modulePath)) as StackModule
  const stack = await startStack({ port, persistTo, adminPassword: DEMO_ADMIN.password })
  return {
    url: stack.url,
    async stop() {
      await stack.stop()
      await rm(persistTo, { recursive: true, force: true })
    },
  }
}

/** Launches Debian's Chromium headless, or throws saying how to install it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing. The e2e tests drive Debian's Chromium: install Debian's ` +
        'chromium: apt-get install chromium',
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * Registers an `afterEach` hook that saves a full-page screenshot to e2e/artifacts when a test
 * fails, named after the test.
 */
export function screenshotOnFailure(currentPage: () => Page | undefined): void {
  afterEach(async (context) => {
    const page = currentPage()
    if (context.task.result?.state !== 'fail' || !page || page.isClosed()) return
    await mkdir(ARTIFACTS_DIR, { recursive: true })
    const name = context.task.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()
    const file = path.join(ARTIFACTS_DIR, `${name}-${Date.now()}.png`)
    await page.screenshot({ path: file, fullPage: true })
    console.error(`Saved a screenshot of the failed page to ${file}`)
  })
}

/** Signs in through the sign-in page, as the demo admin unless told otherwise, and waits for Source overview. */
export async function signIn(
  page: Page,
  url: string,
  email = DEMO_ADMIN.email,
  password = DEMO_ADMIN.password,
): Promise<void> {
  await page.goto(`${url}/sign-in`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Source overview', level: 1 }).waitFor()
}
