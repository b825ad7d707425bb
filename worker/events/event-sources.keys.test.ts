import { TRPCError } from '@trpc/server'
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

import { createOrg } from '../../test/fixtures'
import { consoleCaller, usageEvent } from './test-helpers'

async function failureOf(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work
    return { code: 'OK', message: '' }
  } catch (error) {
    if (error instanceof TRPCError) return { code: error.code, message: error.message }
    throw error
  }
}

async function send(authKey: string, sendKey: string): Promise<number> {
  const response = await exports.default.fetch(
    new Request(`http://x/v1/${authKey}/${sendKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(usageEvent()),
    }),
  )
  await response.arrayBuffer()
  return response.status
}

async function sourceWithoutActiveKey(orgId: string) {
  const admin = await consoleCaller(orgId)
  const created = await admin.eventSources.create({ name: 'Web app' })
  const oldKeyId = created.source.keys[0]!.id
  const rolled = await admin.eventSources.rollKey({ id: oldKeyId, graceSeconds: 3600 })
  await admin.eventSources.revokeKey({ id: rolled.key.id })
  return { admin, created, oldKeyId }
}

describe('recovering an event source that has no active auth key', () => {
  it('rolls a key that is still in its grace period once its replacement is revoked', async () => {
    const org = await createOrg()
    const { admin, created, oldKeyId } = await sourceWithoutActiveKey(org.id)
    const [before] = await admin.eventSources.list()
    const graceEnd = before!.keys.find((key) => key.id === oldKeyId)!.expiresAt!

    const again = await admin.eventSources.rollKey({ id: oldKeyId, graceSeconds: 604_800 })
    expect(await send(again.authKey, created.source.sendKey)).toBe(200)
    const [after] = await admin.eventSources.list()
    const old = after!.keys.find((key) => key.id === oldKeyId)!
    expect(old.status).toBe('expiring')
    expect(old.expiresAt).toBe(graceEnd)
    expect(after!.keys.find((key) => key.id === again.key.id)?.status).toBe('active')
  })

  it('issues a fresh auth key for a source whose keys are all revoked', async () => {
    const org = await createOrg()
    const { admin, created, oldKeyId } = await sourceWithoutActiveKey(org.id)
    await admin.eventSources.revokeKey({ id: oldKeyId })

    const issued = await admin.eventSources.issueKey({ sourceId: created.source.id })
    expect(issued.authKey).toMatch(/^sye_[a-z2-7]{32}$/)
    expect(issued.key).toMatchObject({ status: 'active', prefix: issued.authKey.slice(0, 8) })
    expect(await send(issued.authKey, created.source.sendKey)).toBe(200)
    const [source] = await admin.eventSources.list()
    expect(JSON.stringify(source)).not.toContain(issued.authKey)
  })

  it('refuses to issue a second active key and names the one to roll', async () => {
    const org = await createOrg()
    const admin = await consoleCaller(org.id)
    const created = await admin.eventSources.create({ name: 'Web app' })

    const failure = await failureOf(admin.eventSources.issueKey({ sourceId: created.source.id }))
    expect(failure.code).toBe('CONFLICT')
    expect(failure.message).toContain(`active auth key ${created.source.keys[0]!.prefix}…`)
  })

  it('refuses to roll an already rolled key while its replacement is active', async () => {
    const org = await createOrg()
    const admin = await consoleCaller(org.id)
    const created = await admin.eventSources.create({ name: 'Web app' })
    const oldKeyId = created.source.keys[0]!.id
    const rolled = await admin.eventSources.rollKey({ id: oldKeyId, graceSeconds: 3600 })

    const failure = await failureOf(admin.eventSources.rollKey({ id: oldKeyId, graceSeconds: 0 }))
    expect(failure.code).toBe('CONFLICT')
    expect(failure.message).toContain(`roll the current key ${rolled.key.prefix}… instead`)
  })

  it('lets only admins of the same org issue keys', async () => {
    const org = await createOrg()
    const other = await createOrg()
    const { created } = await sourceWithoutActiveKey(org.id)
    const sourceId = created.source.id

    for (const role of ['viewer', 'data_manager'] as const) {
      const caller = await consoleCaller(org.id, role)
      expect((await failureOf(caller.eventSources.issueKey({ sourceId }))).code).toBe('FORBIDDEN')
    }
    const intruder = await consoleCaller(other.id)
    expect((await failureOf(intruder.eventSources.issueKey({ sourceId }))).code).toBe('NOT_FOUND')
    const [source] = await (await consoleCaller(org.id)).eventSources.list()
    expect(source?.keys.some((key) => key.status === 'active')).toBe(false)
  })
})
