import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { createOrg, db } from '../../test/fixtures'
import { authenticateEventKeys, KEY_CACHE_STALE_MS, KEY_CACHE_TTL_MS } from './event-keys.auth'
import { eventSourceKeys } from './events.schema'
import { createSource } from './test-helpers'

/** Creates an execution context that keeps `waitUntil` promises so a test can await them. */
function executionContext() {
  const pending: Promise<unknown>[] = []
  return {
    waitUntil: (promise: Promise<unknown>) => void pending.push(promise),
    settle: () => Promise.all(pending.splice(0)),
  }
}

/** Revokes a key in D1 only, as another isolate would, leaving this isolate's cache in place. */
async function revokeElsewhere(keyId: string) {
  await db()
    .update(eventSourceKeys)
    .set({ revokedAt: Date.now() })
    .where(eq(eventSourceKeys.id, keyId))
}

describe('authenticateEventKeys cache', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('serves a stale entry once while refreshing it', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const start = Date.now()
    const clock = vi.spyOn(Date, 'now').mockReturnValue(start)
    const context = executionContext()
    const check = () => authenticateEventKeys(env.DB, context, source.authKey, source.sendKey)

    expect((await check()).ok).toBe(true)
    await revokeElsewhere(source.keyId)
    clock.mockReturnValue(start + KEY_CACHE_TTL_MS - 1)
    expect((await check()).ok).toBe(true)

    clock.mockReturnValue(start + KEY_CACHE_TTL_MS + 1)
    expect((await check()).ok).toBe(true)
    await context.settle()
    expect(await check()).toMatchObject({ ok: false, message: expect.stringContaining('revoked') })
  })

  it('reads D1 first for too-old entries', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    const start = Date.now()
    const clock = vi.spyOn(Date, 'now').mockReturnValue(start)
    const context = executionContext()
    const check = () => authenticateEventKeys(env.DB, context, source.authKey, source.sendKey)

    expect((await check()).ok).toBe(true)
    await revokeElsewhere(source.keyId)
    clock.mockReturnValue(start + KEY_CACHE_STALE_MS)
    expect(await check()).toMatchObject({ ok: false, message: expect.stringContaining('revoked') })
  })
})
