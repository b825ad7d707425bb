import { describe, expect, it } from 'vitest'

import { hashPassword, verifyPassword } from './password'

describe('password hashing', () => {
  it('writes the documented format', async () => {
    const stored = await hashPassword('s3cret')

    expect(stored).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/)
  })

  it('salts each hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'))
  })

  it('verifies the right password only', async () => {
    const stored = await hashPassword('s3cret')

    expect(await verifyPassword('s3cret', stored)).toBe(true)
    expect(await verifyPassword('s3cret ', stored)).toBe(false)
    expect(await verifyPassword('', stored)).toBe(false)
  })

  it('matches a hash computed by node:crypto', async () => {
    // pbkdf2Sync('switchyard-demo', Buffer.alloc(16, 1), 100000, 32, 'sha256'), as seed.mjs does.
    const stored =
      'pbkdf2-sha256$100000$AQEBAQEBAQEBAQEBAQEBAQ==$Ci74FDQBWih68O+0n349qZPQCCnGgfvzku4DNvi3k2w='

    expect(await verifyPassword('switchyard-demo', stored)).toBe(true)
  })

  it.each([
    ['fixture'],
    ['bcrypt$100000$AAAA$BBBB'],
    ['pbkdf2-sha256$abc$AAAA$BBBB'],
    ['pbkdf2-sha256$100001$AQEBAQEBAQEBAQEBAQEBAQ==$AAAA'],
    ['pbkdf2-sha256$100000$not base64!$AAAA'],
    ['pbkdf2-sha256$100000$AQEBAQEBAQEBAQEBAQEBAQ==$AAAA'],
  ])('rejects malformed stored value %s', async (stored) => {
    expect(await verifyPassword('anything', stored)).toBe(false)
  })
})
