import { describe, expect, it } from 'vitest'

import { parseDateCell } from './dates'
import { uploadFields } from './fields'
import { runPreflight, type PreflightReport } from './preflight'

const fields = uploadFields('accounts')
const encoder = new TextEncoder()

function check(
  text: string | Uint8Array,
  options: Partial<Parameters<typeof runPreflight>[0]> = {},
) {
  const sample = typeof text === 'string' ? encoder.encode(text) : text
  return runPreflight({ sample, complete: true, fields, ...options })
}

function codes(report: PreflightReport, level?: string) {
  return report.findings.filter((f) => !level || f.level === level).map((f) => f.code)
}

const good = 'account_id,name,join_date\r\na1,Acme,2024-01-31\r\na2,"Beta, Inc",2023-05-01\r\n'

describe('preflight', () => {
  it('accepts a clean template file with CRLF', () => {
    const report = check(good)
    expect(report.blocking).toBe(false)
    expect(report.findings).toEqual([])
    expect(report.header).toEqual(['account_id', 'name', 'join_date'])
    expect(report.preview[1]).toEqual({
      account_id: 'a2',
      name: 'Beta, Inc',
      join_date: '2023-05-01',
    })
    expect(report.mapping).toEqual({
      account_id: 'account_id',
      name: 'name',
      join_date: 'join_date',
    })
  })

  it('rejects an empty file', () => {
    const report = check('')
    expect(report.blocking).toBe(true)
    expect(codes(report)).toEqual(['empty'])
    expect(report.findings[0]?.message).toContain('The file is empty')
  })

  it('rejects a header-only file', () => {
    const report = check('account_id,name,join_date\n')
    expect(codes(report, 'error')).toEqual(['header_only'])
  })

  it('strips a UTF-8 byte order mark and says so', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(good)])
    const report = check(bytes)
    expect(report.hadBom).toBe(true)
    expect(report.header[0]).toBe('account_id')
    expect(codes(report)).toEqual(['bom'])
    expect(report.blocking).toBe(false)
  })

  it('names a Latin-1 encoding and asks for UTF-8', () => {
    const latin1 = new Uint8Array([
      ...encoder.encode('account_id,name,join_date\na1,Soci'),
      0xe9,
      ...encoder.encode('t,2024-01-01\na2,Caf'),
      0xe9,
      ...encoder.encode(' Cr'),
      0xe8,
      ...encoder.encode('me,2024-01-02\n'),
    ])
    const report = check(latin1)
    expect(report.blocking).toBe(true)
    expect(report.encoding).toMatch(/ISO-8859|windows-125/)
    const finding = report.findings.find((f) => f.code === 'encoding')
    expect(finding?.message).toContain('not UTF-8')
    expect(finding?.message).toContain('CSV UTF-8')
  })

  it('detects semicolon and tab delimiters', () => {
    const semicolon = check('account_id;name;join_date\na1;Acme, Ltd;2024-01-01\n')
    expect(semicolon.delimiter).toBe(';')
    expect(semicolon.preview[0]?.name).toBe('Acme, Ltd')
    expect(codes(semicolon)).toContain('delimiter')
    const tab = check('account_id\tname\tjoin_date\na1\tAcme\t2024-01-01\n')
    expect(tab.delimiter).toBe('\t')
    expect(tab.blocking).toBe(false)
  })

  it('reads quoted fields with newlines and commas', () => {
    const report = check(
      'account_id,name,join_date\na1,"Line one\nline two, still",2024-01-01\na2,B,2024-01-02\n',
    )
    expect(report.sampleRows).toBe(2)
    expect(report.preview[0]?.name).toBe('Line one\nline two, still')
    expect(report.blocking).toBe(false)
  })

  it('lists rows with the wrong number of fields', () => {
    const report = check(
      'account_id,name,join_date\na1,A,2024-01-01\na2,B\na3,C,2024-01-01,extra\n',
    )
    const finding = report.findings.find((f) => f.code === 'field_count')
    expect(finding?.rows).toEqual([3, 4])
    expect(finding?.level).toBe('warning')
    expect(finding?.message).toContain('Rows 3, 4 do not have 3 fields')
  })

  it('lists 20 wrong rows then the rest', () => {
    const rows = Array.from({ length: 25 }, (_, i) => `a${i},short`)
    const report = check(`account_id,name,join_date\n${rows.join('\n')}\n`)
    const message = report.findings.find((f) => f.code === 'field_count')?.message
    expect(message).toContain('Rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18')
    expect(message).toContain('19, 20, 21 and 5 more do not have 3 fields')
  })

  it('flags a row of 10,000 fields by row number', () => {
    const wide = Array.from({ length: 10_000 }, (_, i) => `v${i}`).join(',')
    const report = check(`account_id,name,join_date\n${wide}\na2,B,2024-01-01\n`)
    expect(report.findings.find((f) => f.code === 'field_count')?.rows).toEqual([2])
  })

  it('rejects duplicate and blank headers', () => {
    const report = check('account_id,name,Name,,join_date\na1,A,B,C,2024-01-01\n')
    expect(codes(report, 'error')).toEqual(['blank_header', 'duplicate_header'])
    expect(report.findings[1]?.message).toContain('Columns 2 and 3 are both named "Name"')
  })

  it('reports unknown columns and missing required fields', () => {
    const report = check('account_id,name,colour\na1,A,red\n', {
      mapping: { account_id: 'account_id', name: 'name' },
    })
    expect(codes(report)).toEqual(['unknown_column', 'missing_required'])
    expect(report.findings[1]?.level).toBe('warning')
    expect(report.findings[1]?.message).toContain('join_date')
    const noKey = check('name,join_date\nA,2020-01-01\n', {
      mapping: { name: 'name', join_date: 'join_date' },
    })
    expect(noKey.blocking).toBe(true)
    expect(noKey.findings[0]?.message).toContain('Required field account_id has no column')
  })

  it('leaves out the error column of failed rows', () => {
    const report = check('account_id,name,join_date,error\na1,A,2024-01-01,Row 2: bad\n')
    expect(report.mapping).toEqual({
      account_id: 'account_id',
      name: 'name',
      join_date: 'join_date',
    })
    expect(report.suggestions[3]?.target).toBeNull()
    expect(codes(report)).toEqual([])
  })

  it('asks about a column that is not a field', () => {
    const report = check('account_id,name,shoe_size,colour\na1,A,42,red\n', { entity: 'accounts' })
    expect(report.mapping.colour).toBe('custom_label_dimensions.colour')
    expect(report.suggestions[3]?.unconfirmed).toBe(true)
    const messages = report.findings
      .filter((f) => f.code === 'unknown_column')
      .map((f) => f.message)
    expect(messages).toEqual([
      'Column "shoe_size" is not a field of accounts, so it will be stored as custom value dimension shoe_size. Leave it out in the mapping if it should not be stored.',
      'Column "colour" is not a field of accounts, so it will be stored as custom label dimension colour. Leave it out in the mapping if it should not be stored.',
    ])
    expect(report.blocking).toBe(false)
  })

  it('asks for a date format for ambiguous dates', () => {
    const text = 'account_id,name,join_date\na1,A,03/04/2024\na2,B,05/06/2024\n'
    const report = check(text)
    const finding = report.findings.find((f) => f.code === 'ambiguous_dates')
    expect(finding?.message).toContain('03/04/2024')
    expect(finding?.rows).toEqual([2, 3])
    expect(report.blocking).toBe(true)
    expect(check(text, { dateFormat: 'DD/MM/YYYY' }).blocking).toBe(false)
  })

  it('never guesses a format even when one reading is impossible', () => {
    const report = check('account_id,name,join_date\na1,A,03/25/2024\n')
    const finding = report.findings.find((f) => f.code === 'ambiguous_dates')
    expect(finding?.message).toContain('fit only MM/DD/YYYY')
    expect(report.blocking).toBe(true)
  })

  it('rejects a column mixing day-first and month-first dates', () => {
    const report = check('account_id,name,join_date\na1,A,03/25/2024\na2,B,25/03/2024\n')
    expect(codes(report, 'error')).toEqual(['mixed_dates'])
  })

  it('notes formula cells', () => {
    const report = check(
      'account_id,name,join_date\na1,"=HYPERLINK(""http://x.test"")",2024-01-01\n',
    )
    expect(report.findings.find((f) => f.code === 'formula')?.rows).toEqual([2])
    expect(report.blocking).toBe(false)
  })

  it('reads a 2 MB field and cuts its preview', () => {
    const big = 'x'.repeat(2_000_000)
    const report = check(`account_id,name,join_date\na1,A,2024-01-01\na2,"${big}",2024-01-02\n`)
    expect(report.sampleRows).toBe(2)
    expect(report.preview[1]?.name).toMatch(/^x{1000} … \[cut in the preview: 2000000 characters/)
    const finding = report.findings.find((f) => f.code === 'long_field')
    expect(finding?.message).toContain('Row 3, column "name": the field has 2,000,000 characters')
    expect(finding?.message).toContain('fails its row when processed')
  })

  it('previews a field longer than the sample', () => {
    const big = 'x'.repeat(1_100_000)
    const text = `account_id,name,join_date\na1,"${big}`
    const report = check(text, { complete: false })
    expect(report.preview.length).toBe(1)
    expect(report.preview[0]?.account_id).toBe('a1')
    expect(report.preview[0]?.name).toMatch(/^x{1000} … \[cut in the preview: continues past/)
    const finding = report.findings.find((f) => f.code === 'long_field')
    expect(finding?.message).toContain('Row 2, column "name": the field runs past the first 1 MB')
  })

  it('names an Excel workbook and nothing else', () => {
    const xlsx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0xff])
    const xls = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x00, 0x00, 0x81])
    for (const bytes of [xlsx, xls]) {
      const report = check(bytes)
      expect(report.findings.map((f) => f.message)).toEqual([
        'This is an Excel workbook, not CSV: in Excel choose File > Save As > CSV UTF-8.',
      ])
      expect(report.blocking).toBe(true)
    }
  })

  it('rejects other binary data', () => {
    const report = check(new Uint8Array([0x61, 0x2c, 0x62, 0x0a, 0x00, 0x01, 0x02, 0x0a]))
    expect(report.findings.length).toBe(1)
    expect(report.findings[0]?.message).toContain('This file contains binary data, not CSV text')
  })

  it('drops the cut last row of a partial sample', () => {
    const report = check('account_id,name,join_date\na1,A,2024-01-01\na2,B,20', { complete: false })
    expect(report.sampleRows).toBe(1)
    expect(codes(report, 'error')).toEqual([])
  })

  it('suggests a mapping for the organizations export', () => {
    const report = check(
      'Index,Organization Id,Name,Website,Country,Description,Founded,Industry,Number of employees\n' +
        '1,522816eF8fdBE6d,Mckinney PLC,http://soto.com/,Sri Lanka,Synergized,1988,Dairy,3930\n',
    )
    expect(report.mapping).toEqual({
      'Organization Id': 'account_id',
      Name: 'name',
      Website: 'website',
      Country: 'billing_country',
      Description: 'description',
      Founded: 'join_date',
      Industry: 'industry',
      'Number of employees': 'employees',
    })
    expect(codes(report)).toEqual(['unknown_column'])
    expect(report.blocking).toBe(false)
  })
})

describe('parseDateCell', () => {
  it('reads each accepted form', () => {
    expect(parseDateCell('1988', undefined)).toEqual({ ok: true, value: Date.UTC(1988, 0, 1) })
    expect(parseDateCell('2024-03-04', undefined)).toEqual({
      ok: true,
      value: Date.UTC(2024, 2, 4),
    })
    expect(parseDateCell('1598907978483', undefined)).toEqual({ ok: true, value: 1598907978483 })
    expect(parseDateCell('03/04/2024', 'MM/DD/YYYY')).toEqual({
      ok: true,
      value: Date.UTC(2024, 2, 4),
    })
    expect(parseDateCell('03/04/2024', 'DD/MM/YYYY')).toEqual({
      ok: true,
      value: Date.UTC(2024, 3, 3),
    })
  })

  it('rejects day/month dates without a format', () => {
    const result = parseDateCell('03/04/2024', undefined)
    expect(result.ok).toBe(false)
  })

  it('rejects impossible dates', () => {
    expect(parseDateCell('02/30/2024', 'MM/DD/YYYY').ok).toBe(false)
    expect(parseDateCell('soon', 'MM/DD/YYYY').ok).toBe(false)
  })
})
