import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  DEMO_ADMIN,
  launchBrowser,
  screenshotOnFailure,
  type Stack,
  startTestStack,
} from './harness'

const ACCOUNT_ID = 'e2e-acme'

/** Builds a feature event of ACCOUNT_ID dated `secondsAgo` before now, inside the accepted window. */
function event(user: string, feature: string, secondsAgo: number) {
  return {
    account_id: ACCOUNT_ID,
    user_id: user,
    created_at: Date.now() - secondsAgo * 1000,
    session_id: `session-${user}`,
    action: 'feature',
    feature,
    module: 'reports',
  }
}

const toNdjson = (lines: unknown[]) => lines.map((line) => JSON.stringify(line)).join('\n')

/** Three good events from two users. */
const goodBatch = [
  event('u-1', 'export', 300),
  event('u-1', 'share', 290),
  event('u-2', 'export', 280),
]

/** Three more good events around two bad lines: invalid JSON and a missing user_id. */
const mixedLines = [
  JSON.stringify(event('u-2', 'share', 200)),
  '{"account_id": "e2e-acme", "user_id": ',
  JSON.stringify(event('u-3', 'export', 190)),
  JSON.stringify({ ...event('u-3', 'export', 180), user_id: undefined }),
  JSON.stringify(event('u-3', 'print', 170)),
]
const GOOD_EVENTS = goodBatch.length + 3

describe('Usage Event API from source to account usage', () => {
  let stack: Stack
  let browser: Browser
  let page: Page | undefined

  screenshotOnFailure(() => page)

  beforeAll(async () => {
    stack = await startTestStack()
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await stack?.stop()
  })

  /** Posts a body to the Event API and returns the status and the parsed response. */
  async function post(path: string, body: string) {
    const response = await fetch(`${stack.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it('shows each outcome in API status and the events in usage', async () => {
    page = await browser.newPage()
    page.setDefaultTimeout(20_000)
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))

    await page.goto(`${stack.url}/sign-in`)
    await page.getByLabel('Email').fill(DEMO_ADMIN.email)
    await page.getByLabel('Password').fill(DEMO_ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Source overview', level: 1 }).waitFor()

    // The account comes from the Account API, so its usage shows under a known account.
    await page.getByLabel('Label').fill('E2E accounts')
    await page.getByRole('button', { name: 'Create key' }).click()
    const apiKey = await page.locator('#new-api-key').inputValue()
    const account = await fetch(`${stack.url}/api/v2/accounts?api_key=${apiKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        records: [{ account_id: ACCOUNT_ID, name: 'Acme E2E', join_date: Date.UTC(2024, 0, 1) }],
      }),
    })
    expect(account.status).toBe(200)

    await page.getByLabel('Source name').fill('E2E web app')
    await page.getByRole('button', { name: 'Create source' }).click()
    const authKey = (await page.locator('#new-event-auth-key').innerText()).trim()
    const card = page.getByRole('region', { name: 'Event source E2E web app' })
    const sendKey = (await card.locator('dd code').first().innerText()).trim()
    expect(authKey.length).toBeGreaterThan(20)
    expect(sendKey.length).toBeGreaterThan(10)

    await page.getByRole('link', { name: 'API status' }).click()
    await page.getByRole('heading', { name: 'API status', level: 1 }).waitFor()
    // Marks this document: if the page reloaded, the mark would be gone.
    await page.evaluate(() => ((window as { e2eMark?: string }).e2eMark = 'still here'))

    const good = await post(`/v1/${authKey}/${sendKey}`, toNdjson(goodBatch))
    expect(good.status).toBe(200)
    expect(good.body.accepted).toBe(3)
    const mixed = await post(`/v1/${authKey}/${sendKey}`, mixedLines.join('\r\n'))
    expect(mixed.status).toBe(200)
    expect(mixed.body.accepted).toBe(3)
    expect((mixed.body.rejected as { line: number }[]).map((line) => line.line)).toEqual([2, 4])
    const array = await post(`/v1/${authKey}/${sendKey}`, JSON.stringify(goodBatch))
    expect(array.status).toBe(400)
    const badKey = await post(`/v1/${authKey.slice(0, -4)}zzzz/${sendKey}`, toNdjson(goodBatch))
    expect(badKey.status).toBe(401)

    const rows = page.locator('tr[data-outcome]').filter({ hasText: '/v1/' })
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(4)
    expect(await page.evaluate(() => (window as { e2eMark?: string }).e2eMark)).toBe('still here')
    const outcomes = await rows.evaluateAll((elements) =>
      elements.map((row) => {
        const cells = Array.from(row.querySelectorAll('td'), (cell) => cell.textContent ?? '')
        return [row.getAttribute('data-outcome'), cells[5], cells[7], cells[8]]
      }),
    )
    // Newest call first, although the two batches may reach the log after the other two: the bad
    // key, the JSON array, the batch with bad lines, the good batch.
    expect(outcomes).toEqual([
      ['Failure', '401', '0', '0'],
      ['Failure', '400', '0', '0'],
      ['Partial', '200', '5', '2'],
      ['Success', '200', '3', '0'],
    ])

    await page.locator('tr[data-outcome="Partial"]').getByRole('button').click()
    const failedRows = page.locator('table.failed-records tbody tr')
    await expect.poll(() => failedRows.count()).toBe(2)
    const failedIds = await failedRows.evaluateAll((elements) =>
      elements.map((row) => row.querySelectorAll('td')[1]?.textContent ?? ''),
    )
    expect(failedIds).toEqual(['—', `${ACCOUNT_ID}/`])
    // The same line numbers as in the Event API's response.
    const failedLines = await failedRows.evaluateAll((elements) =>
      elements.map((row) => row.querySelectorAll('td')[0]?.textContent ?? ''),
    )
    expect(failedLines).toEqual(['2', '4'])

    // The queue consumer stores events after the responses: wait for the rollup with the
    // browser's session before opening the account, so the page loads its usage once.
    const usageUrl = `${stack.url}/api/trpc/usage.account?input=${encodeURIComponent(
      JSON.stringify({ accountId: ACCOUNT_ID, days: 30 }),
    )}`
    await expect
      .poll(
        async () => {
          const response = await page!.request.get(usageUrl)
          const usage = (await response.json()) as {
            result?: { data: { days: { events: number }[] } }
          }
          return usage.result?.data.days.reduce((sum, day) => sum + day.events, 0) ?? usage
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(GOOD_EVENTS)

    await page.getByRole('link', { name: 'Accounts' }).click()
    await page.getByLabel('Search by account id or name').fill(ACCOUNT_ID)
    await page.getByRole('button', { name: 'Search' }).click()
    // Clicks only after the filtered page replaced the first one, whose link could go stale.
    await page.getByText('(1 accounts)').waitFor()
    await page.getByRole('link', { name: ACCOUNT_ID }).click()
    await page.getByRole('heading', { name: 'Acme E2E', level: 1 }).waitFor()

    const perDay = page.getByRole('table', { name: 'Per day (UTC)' })
    await expect
      .poll(() =>
        perDay.locator('tbody tr').evaluateAll((elements) =>
          elements
            .map((row) => Number(row.querySelectorAll('td')[2]?.textContent))
            .filter(Number.isFinite)
            .reduce((sum, count) => sum + count, 0),
        ),
      )
      .toBe(GOOD_EVENTS)
    const features = page.getByRole('table', { name: 'Top features' })
    await expect.poll(() => features.getByRole('cell', { name: 'export' }).count()).toBe(1)

    // Roll the auth key with a grace period, then end the grace period early by revoking it.
    await page.getByRole('link', { name: 'Source overview' }).click()
    const keyRows = card.locator('tbody tr')
    await card
      .getByLabel('Grace period for the old key')
      .selectOption({ label: 'Keep the old key 1 hour' })
    await card.getByRole('button', { name: 'Roll' }).click()
    await expect.poll(() => keyRows.filter({ hasText: 'expiring' }).count()).toBe(1)
    const oneEvent = toNdjson([goodBatch[0]!])
    expect((await post(`/v1/${authKey}/${sendKey}`, oneEvent)).status).toBe(200)
    page.once('dialog', (dialog) => void dialog.accept())
    await keyRows.filter({ hasText: 'expiring' }).getByRole('button', { name: 'Revoke' }).click()
    await expect.poll(() => keyRows.filter({ hasText: 'revoked' }).count()).toBe(1)
    const afterRevoke = await post(`/v1/${authKey}/${sendKey}`, oneEvent)
    expect(afterRevoke.status).toBe(401)
    expect(afterRevoke.body.message).toContain('was revoked')
    expect(pageErrors).toEqual([])
  })
})
