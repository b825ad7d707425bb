import { describe, expect, it } from 'vitest'

import { callTrpc, createOrg, createSignedInUser } from '../../test/fixtures'

interface ErrorBody {
  message: string
  code: string
}

async function adminHeaders(role: 'admin' | 'viewer' = 'admin') {
  const org = await createOrg()
  return (await createSignedInUser(org.id, role)).headers
}

async function errorOf(
  type: 'query' | 'mutation',
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<ErrorBody | undefined> {
  return (await callTrpc(type, path, input, headers)).error
}

describe('tRPC input errors', () => {
  it('says a key label of the wrong type must be a string', async () => {
    const headers = await adminHeaders()
    const error = await errorOf('mutation', 'keys.create', { label: 42 }, headers)
    expect(error?.message).toBe('label must be a string, got number.')
  })

  it('still says a missing label is required', async () => {
    const headers = await adminHeaders()
    const error = await errorOf('mutation', 'keys.create', {}, headers)
    expect(error?.message).toBe(
      'label is required: name the client or system that will use this key.',
    )
  })

  it('names the wrong type of a roll grace period', async () => {
    const headers = await adminHeaders()
    const error = await errorOf('mutation', 'keys.roll', { id: 'k', graceSeconds: '60' }, headers)
    expect(error?.message).toBe('graceSeconds must be a number, got string.')
  })

  it('builds a sentence from default zod issues instead of raw JSON', async () => {
    const headers = await adminHeaders()
    const error = await errorOf('query', 'accounts.list', { search: 7 }, headers)
    expect(error?.message).toBe('search: must be a string, got number.')
  })

  it('states the accounts.list pageSize range', async () => {
    const headers = await adminHeaders()
    const error = await errorOf('query', 'accounts.list', { pageSize: 500 }, headers)
    expect(error?.message).toBe('pageSize must be 1 to 100.')
  })

  it('names the allowed statusLog.list outcomes and accepts no input', async () => {
    const headers = await adminHeaders('viewer')
    const error = await errorOf('query', 'statusLog.list', { outcome: 'ok' }, headers)
    expect(error?.message).toBe('outcome must be one of Success, Partial, Failure, got "ok".')
    const limit = await errorOf('query', 'statusLog.list', { limit: 0 }, headers)
    expect(limit?.message).toBe('limit must be from 1 to 1000.')
    const bare = await callTrpc('query', 'statusLog.list', undefined, headers)
    expect(bare.error).toBeUndefined()
  })

  it('says a sign-in email of the wrong type must be a string', async () => {
    const error = await errorOf('mutation', 'auth.signIn', { email: 5, password: 'x' })
    expect(error?.message).toBe('email must be a string, got number.')
  })
})

describe('UNAUTHORIZED messages', () => {
  it('tells a caller of a console-only procedure to sign in to the console', async () => {
    const error = await errorOf('query', 'keys.list', undefined)
    expect(error).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Sign in to the console first: this procedure is for console users.',
    })
  })

  it('offers an API key for procedures that accept one', async () => {
    const error = await errorOf('query', 'accounts.list', {})
    expect(error?.message).toBe(
      'Sign in, or send an Account API key as "Authorization: Bearer <key>".',
    )
  })
})
