// Serves the built console and APIs on http://127.0.0.1:8787 (or $PORT) until interrupted.
// `npm start` builds, migrates and seeds first, then runs this.
import { DEFAULT_DEMO_PASSWORD, DEMO_ADMIN_EMAIL } from './seed.mjs'
import { startDevServer } from './stack.mjs'

const port = Number(process.env.PORT ?? 8787)
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  console.error(`PORT=${process.env.PORT} is not a TCP port: use a number from 1 to 65535.`)
  process.exit(1)
}

const server = await startDevServer({ port, inheritOutput: true }).catch((error) => {
  console.error(`Start failed: ${error.message}`)
  process.exit(1)
})

const passwordHint = process.env.DEMO_ADMIN_PASSWORD
  ? 'the value of DEMO_ADMIN_PASSWORD you started with'
  : `${DEFAULT_DEMO_PASSWORD}, unless DEMO_ADMIN_PASSWORD was set when the database was first seeded`

console.log(`
Switchyard is running at ${server.url}
Sign in as ${DEMO_ADMIN_EMAIL}
Password:  ${passwordHint}.
To reset it, run: DEMO_ADMIN_PASSWORD=<new password> npm start
Press Ctrl+C to stop.
`)

// wrangler dev never fires cron triggers by itself, and the cron sweep is what re-drives an upload
// that a restart interrupted. Firing it once a minute through miniflare's local endpoint takes the
// place of the deployed */5 schedule. Running the sweep more often only makes it check sooner.
const SWEEP_INTERVAL_MS = 60_000
const sweep = setInterval(async () => {
  const url = `${server.url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('*/5 * * * *')}`
  try {
    const response = await fetch(url)
    if (!response.ok) {
      console.error(`Cron sweep failed with HTTP ${response.status}; retrying in 60 s.`)
    }
  } catch (error) {
    console.error(`Cron sweep failed: ${error.message}; retrying in 60 s.`)
  }
}, SWEEP_INTERVAL_MS)

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, async () => {
    clearInterval(sweep)
    await server.stop()
    process.exit(0)
  })
}
