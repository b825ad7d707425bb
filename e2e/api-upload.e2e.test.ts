import { readFile } from 'node:fs/promises'

import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  DEMO_ADMIN,
  launchBrowser,
  screenshotOnFailure,
  type Stack,
  startTestStack,
} from './harness'

/** A 10,000-row organizations export with its own headers. ORGANIZATIONS_CSV overrides the path. */
const ORGANIZATIONS_CSV =
  process.env.ORGANIZATIONS_CSV ?? '/work/shared/data/public/organizations-10000.csv'

async function signIn(page: Page, url: string) {
  await page.goto(`${url}/sign-in`)
  await page.getByLabel('Email').fill(DEMO_ADMIN.email)
  await page.getByLabel('Password').fill(DEMO_ADMIN.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Source overview', level: 1 }).waitFor()
}

describe('API upload of an organizations export', () => {
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

  it('maps, processes and accounts for every row', async () => {
    const context = await browser.newContext({ acceptDownloads: true })
    page = await context.newPage()
    await signIn(page, stack.url)
    await page.goto(`${stack.url}/api-upload`)
    await page.getByRole('heading', { name: 'API upload', level: 1 }).waitFor()

    await page.getByLabel('CSV file').setInputFiles(ORGANIZATIONS_CSV)
    await page.getByRole('button', { name: 'Upload and check' }).click()
    await page.getByRole('heading', { name: '3. Check and map' }).waitFor()
    await page.getByText('The whole file has 10000 data rows.').waitFor()

    const idSelect = page.getByLabel('Field for column Organization Id')
    expect(await idSelect.inputValue()).toBe('account_id')
    expect(await page.getByLabel('Field for column Founded').inputValue()).toBe('join_date')
    expect(await page.getByLabel('Field for column Index').inputValue()).toBe('')

    await page.getByRole('button', { name: 'Start processing' }).click()
    await page.getByText(/: completed/).waitFor({ timeout: 150_000 })

    const summary = await page.getByText(/rows read/).textContent()
    const written = Number(/(\d+) written/.exec(summary ?? '')?.[1])
    const failed = Number(/(\d+) failed/.exec(summary ?? '')?.[1])
    expect(written + failed).toBe(10_000)

    const list = await page.request.get(
      `${stack.url}/api/trpc/accounts.list?input=${encodeURIComponent(
        JSON.stringify({ page: 0, pageSize: 1 }),
      )}`,
    )
    const body = (await list.json()) as { result: { data: { total: number } } }
    expect(body.result.data.total).toBe(written)

    const downloading = page.waitForEvent('download')
    await page.getByRole('link', { name: /failed rows as CSV/ }).click()
    const download = await downloading
    const csv = await readFile((await download.path())!, 'utf8')
    const lines = csv.trim().split('\r\n')
    expect(lines[0]).toBe(
      'Index,Organization Id,Name,Website,Country,Description,Founded,Industry,Number of employees,error',
    )
    expect(lines.length).toBe(failed + 1)
    await context.close()
  })
})
