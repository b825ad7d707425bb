import { exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { createOrg } from '../../test/fixtures'
import { REJECTION_LOG_WINDOW_MS } from './rejection-log'
import { createSource, statusEntries, usageEvent } from './test-helpers'

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

const unknownKey = 'sye_notarealkeynotarealkeynotareal'

describe('status entries for rejected auth keys', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('records one entry per source per minute however many requests are rejected', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(await send(unknownKey, source.sendKey)).toBe(401)
    }
    expect(await send(source.authKey, source.sendKey)).toBe(200)

    const entries = await statusEntries(org.id, 2)
    expect(entries.map((entry) => entry.httpStatus)).toEqual([200, 401])
    expect(entries[1]?.message).toBe(
      'Unknown auth key: copy the event auth key from Source overview.',
    )
  })

  it('counts the left-out requests in the next entry a minute later', async () => {
    const org = await createOrg()
    const source = await createSource(org.id)
    for (let attempt = 0; attempt < 4; attempt++) await send(unknownKey, source.sendKey)
    await statusEntries(org.id, 1)

    const later = Date.now() + REJECTION_LOG_WINDOW_MS + 1000
    vi.spyOn(Date, 'now').mockReturnValue(later)
    expect(await send(unknownKey, source.sendKey)).toBe(401)

    const [newest] = await statusEntries(org.id, 2)
    expect(newest?.message).toBe(
      'Unknown auth key: copy the event auth key from Source overview. (and 3 more rejected requests since the previous logged one)',
    )
  })

  it('throttles each source on its own', async () => {
    const org = await createOrg()
    const first = await createSource(org.id, 'Web app')
    const second = await createSource(org.id, 'Mobile app')
    await send(unknownKey, first.sendKey)
    await send(unknownKey, first.sendKey)
    await send(unknownKey, second.sendKey)

    const entries = await statusEntries(org.id, 2)
    expect(entries).toHaveLength(2)
  })
})
