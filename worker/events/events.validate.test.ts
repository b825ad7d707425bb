import { describe, expect, it } from 'vitest'

import {
  type BodyError,
  type CheckedBody,
  checkEventObjects,
  checkNdjsonBody,
  MAX_LINE_BYTES,
} from './events.ndjson'
import { validateEvent } from './events.validate'

const now = Date.UTC(2026, 11, 4, 12, 0, 0)

function event(overrides: Record<string, unknown> = {}) {
  return {
    account_id: 'acc_1',
    user_id: 'user_1',
    created_at: now - 1000,
    session_id: 'sess_1',
    action: 'feature',
    feature: 'export',
    ...overrides,
  }
}

function lines(result: CheckedBody | BodyError): CheckedBody {
  if ('httpStatus' in result) throw new Error(`Expected line results, got ${result.message}`)
  return result
}

function bodyError(result: CheckedBody | BodyError): BodyError {
  if (!('httpStatus' in result)) throw new Error('Expected a body error, got line results')
  return result
}

function errorOf(value: unknown): string {
  const result = validateEvent(value, now)
  return 'error' in result ? result.error : ''
}

describe('validateEvent', () => {
  it('accepts a feature event and normalizes it', () => {
    expect(validateEvent(event({ module: 'reports', product: '' }), now)).toEqual({
      accountId: 'acc_1',
      userId: 'user_1',
      createdAt: now - 1000,
      sessionId: 'sess_1',
      action: 'feature',
      feature: 'export',
      module: 'reports',
      product: null,
    })
  })

  it.each(['account_id', 'user_id', 'created_at', 'session_id', 'action'])(
    'rejects missing %s',
    (field) => {
      const value: Record<string, unknown> = event()
      delete value[field]
      expect(errorOf(value)).toContain(`Missing required field ${field}`)
    },
  )

  it('rejects empty and non-string ids', () => {
    expect(errorOf(event({ user_id: '' }))).toContain('Missing required field user_id')
    expect(errorOf(event({ session_id: { a: 1 } }))).toContain('Invalid session_id')
    expect(errorOf(event({ account_id: 'x'.repeat(257) }))).toContain('maximum is 256')
  })

  it('takes numeric ids as strings', () => {
    const result = validateEvent(event({ account_id: 42 }), now)
    expect('error' in result ? null : result.accountId).toBe('42')
  })

  it('rejects non-object events', () => {
    expect(errorOf([event()])).toContain('one JSON object')
    expect(errorOf('text')).toContain('one JSON object')
    expect(errorOf(null)).toContain('one JSON object')
  })

  it('rejects created_at outside the window', () => {
    expect(errorOf(event({ created_at: '2026-12-04' }))).toContain('integer of epoch milliseconds')
    expect(errorOf(event({ created_at: 1.5e12 + 0.5 }))).toContain('integer of epoch milliseconds')
    expect(errorOf(event({ created_at: Math.floor(now / 1000) }))).toContain('looks like seconds')
    expect(errorOf(event({ created_at: now - 30 * 24 * 3600_000 - 1 }))).toContain(
      'older than 30 days',
    )
    expect(errorOf(event({ created_at: now + 3600_000 + 1 }))).toContain('1 hour in the future')
  })

  it('accepts created_at at both window edges', () => {
    expect(errorOf(event({ created_at: now - 30 * 24 * 3600_000 }))).toBe('')
    expect(errorOf(event({ created_at: now + 3600_000 }))).toBe('')
  })

  it('rejects an unknown action and names the valid ones', () => {
    const message = errorOf(event({ action: 'click' }))
    expect(message).toContain('Invalid action "click"')
    expect(message).toContain('feature, moduleEnd, sessionSync')
  })

  it('quotes at most 80 characters of a rejected value', () => {
    const message = errorOf(event({ account_id: Array(5000).fill(1e20) }))
    expect(message).toMatch(/^Invalid account_id \[100000000000000000000,/)
    expect(message).toContain('…: send a string.')
    expect(message.length).toBeLessThan(140)
  })

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])(
    'rejects the object property name %s as an action',
    (action) => {
      expect(errorOf(event({ action }))).toContain(`Invalid action "${action}"`)
    },
  )

  it.each([
    ['feature', { feature: undefined }, 'Missing field feature, required by action feature'],
    ['feature', { feature: 'export', total: 'many' }, 'Invalid total "many" for action feature'],
    ['moduleEnd', { module: 'reports' }, 'Missing field time_spent'],
    ['moduleEnd', { time_spent: 30 }, 'Missing field module'],
    ['moduleEnd', { module: 'reports', time_spent: '30' }, 'Invalid time_spent "30"'],
    ['sessionSync', {}, 'Missing field active_duration'],
    ['identifyUser', {}, 'Missing field details'],
    ['identifyUser', { details: ['a'] }, 'Invalid details ["a"]'],
    ['identifyAccount', { details: 'x' }, 'Invalid details "x"'],
    ['sessionIdle', { module: 5 }, 'Invalid module 5'],
    ['pageViewEnd', { time_spent: 'long' }, 'Invalid time_spent "long"'],
  ])('rejects %s with %j', (action, fields, message) => {
    expect(errorOf(event({ action, feature: undefined, ...fields }))).toContain(message)
  })

  it.each([
    ['feature', { feature: 'export', module: 'reports', product: 'web', total: 3 }],
    ['moduleEnd', { module: 'reports', time_spent: 120 }],
    ['sessionSync', { active_duration: 300 }],
    ['identifyUser', { details: { email: 'a@example.test' } }],
    ['identifyAccount', { details: { plan: 'pro' } }],
    ['sessionIdle', {}],
    ['pageViewEnd', { module: 'home', time_spent: 12 }],
  ])('accepts %s with its fields', (action, fields) => {
    expect(errorOf(event({ action, feature: undefined, ...fields }))).toBe('')
  })
})

describe('checkNdjsonBody', () => {
  const line = (overrides: Record<string, unknown> = {}) => JSON.stringify(event(overrides))
  const check = (body: string) => checkNdjsonBody(body, new TextEncoder().encode(body).length, now)

  it('splits LF and CRLF lines and numbers them from 1', () => {
    const body = `${line()}\r\n${line({ user_id: '' })}\r\n\r\n${line()}\n`
    const result = check(body)
    expect(lines(result).accepted.map((a) => a.line)).toEqual([1, 4])
    expect(lines(result).rejected).toEqual([
      { line: 2, message: expect.stringContaining('user_id'), id: 'acc_1/' },
    ])
  })

  it('rejects a JSON array body', () => {
    expect(check(`  [${line()}]`)).toEqual({
      httpStatus: 400,
      message: expect.stringContaining('Body is a JSON array') as string,
    })
  })

  it('rejects an empty body', () => {
    expect(check('\n \r\n')).toMatchObject({ httpStatus: 400 })
  })

  it('rejects invalid JSON lines only', () => {
    const result = check(`{"account_id":\n${line()}`)
    expect(lines(result).rejected[0]?.message).toContain('Invalid JSON')
    expect(lines(result).accepted).toHaveLength(1)
  })

  it('rejects more than 1000 events', () => {
    const result = check(Array.from({ length: 1001 }, () => line()).join('\n'))
    expect(result).toMatchObject({ httpStatus: 413 })
    expect(bodyError(result).message).toContain('maximum is 1000')
  })

  it('accepts exactly 1000 events', () => {
    const result = check(Array.from({ length: 1000 }, () => line()).join('\n'))
    expect(lines(result).accepted).toHaveLength(1000)
  })

  it('rejects a body over 1 MB', () => {
    expect(checkNdjsonBody(line(), 1_000_001, now)).toMatchObject({ httpStatus: 413 })
  })

  it('rejects a line over 32 KB, counting UTF-8 bytes', () => {
    const padding = 'é'.repeat(MAX_LINE_BYTES / 2)
    const result = check(`${line({ details: padding })}\n${line()}`)
    expect(lines(result).rejected[0]?.line).toBe(1)
    expect(lines(result).rejected[0]?.message).toContain('maximum is 32768')
    expect(lines(result).accepted[0]?.bytes).toBe(line().length)
  })
})

describe('checkEventObjects', () => {
  it('checks array items by the same rules', () => {
    const result = checkEventObjects([event(), { ...event(), action: 'nope' }], now)
    expect(lines(result).accepted).toHaveLength(1)
    expect(lines(result).rejected[0]).toMatchObject({
      line: 2,
      id: 'acc_1/user_1',
    })
  })
})
