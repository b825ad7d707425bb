import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  DEMO_ADMIN,
  launchBrowser,
  screenshotOnFailure,
  signIn,
  type Stack,
  startTestStack,
} from './harness'

const RECORD_COUNT = 1000
const JOIN_DATE = Date.UTC(2024, 0, 15)

/** Account ids as the test writes them: `e2e-0042`. */
const accountIdAt = (index: number) => `e2e-${String(index).padStart(4, '0')}`

/** Seven records, each invalid in a different way, keyed by their index in the batch. */
const invalidRecords = new Map<number, unknown>([
  [3, { account_id: accountIdAt(3), name: 'No join date' }],
  [100, { account_id: accountIdAt(100), name: 'Text date', join_date: '2024-01-15' }],
  [250, { account_id: accountIdAt(250), join_date: JOIN_DATE }],
  [400, { account_id: accountIdAt(400), nmae: 'Misspelled field', join_date: JOIN_DATE }],
  [
    555,
    { account_id: accountIdAt(555), name: 'Text count', join_date: JOIN_DATE, employees: 'many' },
  ],
  [700, accountIdAt(700)],
  [
    999,
    {
      account_id: accountIdAt(999),
      name: 'Text dimension value',
      join_date: JOIN_DATE,
      custom_value_dimensions: [{ key: 'seats', value: 'ten' }],
    },
  ],
])

/** Builds the batch: valid accounts everywhere except the indices in `invalidRecords`. */
function buildRecords(): unknown[] {
  return Array.from({ length: RECORD_COUNT }, (_, index) => {
    if (invalidRecords.has(index)) return invalidRecords.get(index)
    return {
      account_id: accountIdAt(index),
      name: `E2E Account ${index}`,
      join_date: JOIN_DATE,
      industry: 'Logistics',
      custom_label_dimensions: [{ key: 'region', value: index % 2 === 0 ? 'EMEA' : 'AMER' }],
    }
  })
}

/** The id the status log should name for a failed record: its string account_id, else none. */
function expectedId(record: unknown): string | null {
  if (typeof record !== 'object' || record === null) return null
  const accountId = (record as { account_id?: unknown }).account_id
  return typeof accountId === 'string' ? accountId : null
}

describe('Account API from key to API status', () => {
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

  it('signs in, posts 1000 accounts, and shows the failures', async () => {
    page = await browser.newPage()
    page.setDefaultTimeout(20_000)
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))

    await page.goto(`${stack.url}/`)
    await page.waitForURL('**/sign-in')
    await page.getByLabel('Email').fill(DEMO_ADMIN.email)
    await page.getByLabel('Password').fill(DEMO_ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Source overview', level: 1 }).waitFor()

    await page.getByLabel('Label').fill('E2E import')
    await page.getByRole('button', { name: 'Create key' }).click()
    const apiKey = await page.locator('#new-api-key').inputValue()
    expect(apiKey).toMatch(/^sya_[a-z2-7]+$/i)
    await expect.poll(() => page!.getByRole('row', { name: /E2E import/ }).count()).toBe(1)

    await page.getByRole('link', { name: 'API status' }).click()
    await page.getByRole('heading', { name: 'API status', level: 1 }).waitFor()
    // Marks this document: if the page reloaded, the mark would be gone.
    await page.evaluate(() => ((window as { e2eMark?: string }).e2eMark = 'still here'))

    const records = buildRecords()
    const response = await fetch(`${stack.url}/api/v2/accounts?api_key=${apiKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    })
    const body = (await response.json()) as {
      status_is_ok: boolean
      failed_results?: { record: number; account_id?: string; message: string }[]
    }
    expect(response.status).toBe(200)
    expect(body.status_is_ok).toBe(true)
    expect(body.failed_results?.map((failure) => failure.record)).toEqual([
      ...invalidRecords.keys(),
    ])

    const partialRow = page.locator('tr[data-outcome="Partial"]').first()
    await partialRow.waitFor({ timeout: 15_000 })
    expect(await page.evaluate(() => (window as { e2eMark?: string }).e2eMark)).toBe('still here')
    const cells = await partialRow.locator('td').allInnerTexts()
    expect(cells[1]).toBe('accounts')
    expect(cells[2]).toContain('POST /api/v2/accounts')
    expect(cells[4]).toContain(apiKey.slice(0, 8))
    expect(cells[7]).toBe(String(RECORD_COUNT))
    expect(cells[8]).toBe(String(invalidRecords.size))

    await partialRow.getByRole('button').click()
    const failedRows = page.locator('table.failed-records tbody tr')
    await expect.poll(() => failedRows.count()).toBe(invalidRecords.size)
    const displayedRows = await failedRows.evaluateAll((rows) =>
      rows.map((row) => Array.from(row.querySelectorAll('td'), (cell) => cell.textContent ?? '')),
    )
    const expected = [...invalidRecords].map(([index, record]) => [
      String(index),
      expectedId(record) ?? '—',
    ])
    expect(displayedRows.map(([index, id]) => [index, id])).toEqual(expected)
    for (const [, , message] of displayedRows) expect(message?.length).toBeGreaterThan(10)

    await page.getByRole('link', { name: 'Accounts' }).click()
    await page.getByLabel('Search by account id or name').fill(accountIdAt(42))
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('link', { name: accountIdAt(42) }).click()
    await page.getByRole('heading', { name: 'E2E Account 42', level: 1 }).waitFor()
    expect(await page.getByText('Logistics').count()).toBeGreaterThan(0)
    expect(await page.getByRole('cell', { name: 'EMEA' }).count()).toBe(1)
    expect(pageErrors).toEqual([])
  })

  it('rolls and revokes keys, and limits viewers', async () => {
    page = await browser.newPage()
    page.setDefaultTimeout(20_000)
    await signIn(page, stack.url, DEMO_ADMIN.email, DEMO_ADMIN.password)

    await page.getByLabel('Label').fill('Rotation')
    await page.getByRole('button', { name: 'Create key' }).click()
    const firstKey = await page.locator('#new-api-key').inputValue()
    const rotationRow = page.getByRole('row', { name: /Rotation/ })
    await rotationRow.getByRole('button', { name: 'Roll' }).click()
    await rotationRow.getByLabel('Old key stops working').selectOption({ label: 'After 1 hour' })
    await rotationRow.getByRole('button', { name: 'Roll key' }).click()
    await expect.poll(() => page!.locator('#new-api-key').inputValue()).not.toBe(firstKey)
    const rolledKey = await page.locator('#new-api-key').inputValue()
    const rows = page.getByRole('row', { name: /Rotation/ })
    await expect.poll(() => rows.count()).toBe(2)
    await expect.poll(() => rows.filter({ hasText: 'Expiring' }).count()).toBe(1)
    await expect.poll(() => rows.filter({ hasText: 'Active' }).count()).toBe(1)

    const activeRow = rows.filter({ hasText: 'Active' })
    expect(await activeRow.textContent()).toContain(rolledKey.slice(-4))
    await activeRow.getByRole('button', { name: 'Revoke' }).click()
    await activeRow.getByRole('button', { name: 'Revoke key' }).click()
    await expect.poll(() => rows.filter({ hasText: 'Revoked' }).count()).toBe(1)
    const revoked = await fetch(`${stack.url}/api/v2/accounts?api_key=${rolledKey}`)
    expect(revoked.status).toBe(401)

    // The old key in its grace period can be revoked, which ends the grace period early.
    const inGrace = await fetch(`${stack.url}/api/v2/accounts?api_key=${firstKey}`)
    expect(inGrace.status).toBe(200)
    const expiringRow = rows.filter({ hasText: 'Expiring' })
    expect(await expiringRow.getByRole('button', { name: 'Roll' }).count()).toBe(0)
    await expiringRow.getByRole('button', { name: 'Revoke' }).click()
    await expiringRow.getByRole('button', { name: 'Revoke key' }).click()
    await expect.poll(() => rows.filter({ hasText: 'Revoked' }).count()).toBe(2)
    const graceEnded = await fetch(`${stack.url}/api/v2/accounts?api_key=${firstKey}`)
    expect(graceEnded.status).toBe(401)

    await page.getByRole('link', { name: 'People' }).click()
    await page.getByLabel('Email').fill('viewer@demo.switchyard.local')
    await page.getByLabel('Name').fill('Vera Viewer')
    await page.getByLabel('Role', { exact: true }).selectOption('viewer')
    await page.getByRole('button', { name: 'Add person' }).click()
    const password = await page.locator('#temporary-password').inputValue()
    expect(password.length).toBeGreaterThanOrEqual(12)
    await page.getByRole('row', { name: /Vera Viewer/ }).waitFor()

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL('**/sign-in')
    await signIn(page, stack.url, 'viewer@demo.switchyard.local', password)
    await page
      .getByRole('row', { name: /Rotation/ })
      .first()
      .waitFor()
    expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Roll' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Revoke' }).count()).toBe(0)
    await page.getByRole('link', { name: 'People' }).click()
    await page.getByRole('row', { name: /Vera Viewer/ }).waitFor()
    expect(await page.getByRole('button', { name: 'Add person' }).count()).toBe(0)
    expect(await page.getByRole('combobox').count()).toBe(0)
  })

  it('opens odd account ids, unknown paths and lost sessions', async () => {
    page = await browser.newPage()
    page.setDefaultTimeout(20_000)
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await signIn(page, stack.url, DEMO_ADMIN.email, DEMO_ADMIN.password)

    await page.getByLabel('Label').fill('Odd ids')
    await page.getByRole('button', { name: 'Create key' }).click()
    const apiKey = await page.locator('#new-api-key').inputValue()
    const oddId = 'a/b café?x=1'
    const response = await fetch(`${stack.url}/api/v2/accounts?api_key=${apiKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        records: [{ account_id: oddId, name: 'Odd Id', join_date: JOIN_DATE }],
      }),
    })
    expect(response.status).toBe(200)

    const heading = page.getByRole('heading', { name: 'Odd Id', level: 1 })
    await page.getByRole('link', { name: 'Accounts' }).click()
    await page.getByLabel('Search by account id or name').fill('café')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('link', { name: oddId }).click()
    await heading.waitFor()
    expect(new URL(page.url()).searchParams.get('id')).toBe(oddId)
    await page.reload()
    await heading.waitFor()
    await page.goto(`${stack.url}/accounts/${encodeURIComponent(oddId)}`)
    await heading.waitFor()
    expect(new URL(page.url()).searchParams.get('id')).toBe(oddId)

    await page.goto(`${stack.url}/no/such/page`)
    await page.getByRole('heading', { name: 'Page not found', level: 1 }).waitFor()
    expect(await page.locator('main').textContent()).toContain('/no/such/page')
    await page.locator('main').getByRole('link', { name: 'Source overview' }).click()
    await page.getByRole('heading', { name: 'Source overview', level: 1 }).waitFor()

    const cookies = await page.context().cookies()
    const signOut = await fetch(`${stack.url}/api/trpc/auth.signOut`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; '),
        'x-csrf-token': cookies.find((cookie) => cookie.name === 'sy_csrf')?.value ?? '',
      },
    })
    expect(signOut.status).toBe(200)
    await page.getByRole('link', { name: 'People' }).click()
    await page.waitForURL('**/sign-in?reason=session-ended')
    await page.getByText('Your session ended; sign in again.').waitFor()

    await signIn(page, stack.url, DEMO_ADMIN.email, DEMO_ADMIN.password)
    await page.context().clearCookies({ name: 'sy_csrf' })
    await page.getByLabel('Label').fill('Without CSRF cookie')
    await page.getByRole('button', { name: 'Create key' }).click()
    const alert = page.getByRole('alert').filter({ hasText: 'Your session has ended' })
    await alert.waitFor()
    // The rejected call's response restored the cookie, so the session is still usable.
    await alert.getByRole('link', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Source overview', level: 1 }).waitFor()
    await page.getByLabel('Label').fill('After CSRF cookie restored')
    await page.getByRole('button', { name: 'Create key' }).click()
    await page.getByText('After CSRF cookie restored').first().waitFor()
    expect(pageErrors).toEqual([])
  })
})
