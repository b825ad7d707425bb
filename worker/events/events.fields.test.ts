import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import { createOrg, db } from '../../test/fixtures'
import { eventFields, writeEventRecords } from './events.fields'
import { events } from './events.schema'
import { validateEvent } from './events.validate'
import { usageEvent } from './test-helpers'

describe('eventFields', () => {
  it('lists required fields first and every action field', () => {
    const fields = eventFields()
    expect(fields.filter((f) => f.required).map((f) => f.name)).toEqual([
      'account_id',
      'user_id',
      'created_at',
      'session_id',
      'action',
    ])
    expect(fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['feature', 'module', 'time_spent', 'active_duration', 'details']),
    )
    expect(fields.find((f) => f.name === 'created_at')?.format).toBe('epoch-ms')
    expect(fields.find((f) => f.name === 'module')?.description).toContain('required by moduleEnd')
  })

  it('gives examples that pass validation together', () => {
    const now = Date.now()
    const example = Object.fromEntries(eventFields(now).map((f) => [f.name, f.example]))
    expect('error' in validateEvent(example, now)).toBe(false)
  })
})

describe('writeEventRecords', () => {
  it('stores valid records and reports invalid ones by index', async () => {
    const org = await createOrg()
    const result = await writeEventRecords(env.DB, org.id, 'upload', [
      usageEvent(),
      usageEvent({ session_id: '' }),
    ])

    expect(result.written).toBe(1)
    expect(result.failed).toEqual([
      { index: 1, id: 'acc_1/user_1', message: expect.stringContaining('session_id') },
    ])
    expect(await db().select().from(events).where(eq(events.orgId, org.id))).toHaveLength(1)
  })
})
