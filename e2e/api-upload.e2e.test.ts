import { readFile } from 'node:fs/promises'
import path from 'node:path'

import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { launchBrowser, screenshotOnFailure, signIn, type Stack, startTestStack } from './harness'

/** A 10,000-row organizations export with its own headers. ORGANIZATIONS_CSV overrides the path. */
const ORGANIZATIONS_CSV =
  process.env.ORGANIZATIONS_CSV ??
  path.join(import.meta.dirname, 'fixtures', 'organizations-10000.csv')

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

  it('reopens uploads at their step and limits viewers', async () => {
    const context = await browser.newContext()
    page = await context.newPage()
    page.setDefaultTimeout(20_000)
    await signIn(page, stack.url)
    await page.goto(`${stack.url}/api-upload`)

    // Custom dimensions are a field of the Account API only.
    await page.getByText('Fields', { exact: true }).click()
    const dimensionRow = page.getByRole('row', { name: /custom_label_dimensions/ })
    await dimensionRow.waitFor()
    await page.getByLabel('API', { exact: true }).selectOption('events')
    await page.getByRole('row', { name: /^session_id Yes/ }).waitFor()
    expect(await dimensionRow.count()).toBe(0)
    await page.getByLabel('API', { exact: true }).selectOption('accounts')
    await dimensionRow.waitFor()

    await page.getByLabel('CSV file').setInputFiles({
      name: 'shoes.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('account_id,name,shoe_size\r\nshoe-1,Shoe One,42\r\n'),
    })
    await page.getByRole('button', { name: 'Upload and check' }).click()
    await page.getByRole('heading', { name: '3. Check and map' }).waitFor()
    await page.getByText('delimiter comma,').waitFor()
    await page.getByText('Column "shoe_size" is not a field of accounts').waitFor()
    await page.getByText('Suggested, not confirmed').waitFor()

    const cookies = await context.cookies()
    const created = await page.request.post(`${stack.url}/api/trpc/uploads.create`, {
      data: { entity: 'accounts', fileName: 'half.csv', size: 100 },
      headers: { 'x-csrf-token': cookies.find((c) => c.name === 'sy_csrf')?.value ?? '' },
    })
    expect(created.status()).toBe(200)

    await page.reload()
    await page.getByRole('button', { name: 'shoes.csv' }).click()
    await page.getByRole('heading', { name: '3. Check and map' }).waitFor()
    expect(await page.getByLabel('Field for column account_id').inputValue()).toBe('account_id')
    await page.getByRole('button', { name: 'Start processing' }).waitFor()

    await page.getByRole('button', { name: 'half.csv' }).click()
    await page.getByText('The file upload of half.csv was not finished').waitFor()
    await page.getByRole('button', { name: 'Cancel this upload' }).click()
    await page.getByRole('row', { name: /half\.csv.*cancelled/ }).waitFor()

    await page.getByRole('link', { name: 'People' }).click()
    await page.getByLabel('Email').fill('upload-viewer@demo.switchyard.local')
    await page.getByLabel('Name').fill('Uma Viewer')
    await page.getByLabel('Role', { exact: true }).selectOption('viewer')
    await page.getByRole('button', { name: 'Add person' }).click()
    const password = await page.locator('#temporary-password').inputValue()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL('**/sign-in')

    await signIn(page, stack.url, 'upload-viewer@demo.switchyard.local', password)
    await page.goto(`${stack.url}/api-upload`)
    await page.getByText('Viewers can see uploads but not send one.').waitFor()
    expect(await page.getByLabel('CSV file').count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Upload and check' }).count()).toBe(0)
    await page.getByRole('button', { name: 'shoes.csv' }).click()
    await page.getByText('Only an admin or data manager can start this upload.').waitFor()
    expect(await page.getByRole('button', { name: 'Start processing' }).count()).toBe(0)
    await context.close()
  })
})
