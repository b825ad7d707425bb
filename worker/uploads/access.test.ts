import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'

import { createOrg, createSignedInUser } from '../../test/fixtures'
import { rest, trpc, uploadBytes } from './test-helpers'

const encoder = new TextEncoder()
const file = encoder.encode('account_id,name,join_date\na1,A,2020-01-01\n')

async function twoOrgs() {
  const orgA = await createOrg('Org A')
  const orgB = await createOrg('Org B')
  const owner = await createSignedInUser(orgA.id)
  const stranger = await createSignedInUser(orgB.id)
  const { jobId, preflight } = await uploadBytes(owner.headers, file)
  return { owner: owner.headers, stranger: stranger.headers, jobId, preflight }
}

describe('upload access', () => {
  it('hides one org’s jobs from every procedure of another', async () => {
    const { stranger, jobId, preflight } = await twoOrgs()
    const choices = { jobId, mapping: preflight.mapping }
    const calls = [
      trpc(stranger, 'uploads.get', { jobId }, 'query'),
      trpc(stranger, 'uploads.check', choices),
      trpc(stranger, 'uploads.start', choices),
      trpc(stranger, 'uploads.cancel', { jobId }),
    ]
    for (const result of await Promise.all(calls)) {
      expect(result.error?.data.code).toBe('NOT_FOUND')
      expect(result.error?.message).toContain('not found in your org')
    }
    const list = await trpc(stranger, 'uploads.list', undefined, 'query')
    expect(list.data).toEqual([])
  })

  it('hides one org’s jobs from every route of another', async () => {
    const { owner, stranger, jobId } = await twoOrgs()
    const responses = await Promise.all([
      rest(stranger, 'PUT', `${jobId}/parts/1`, file),
      rest(stranger, 'POST', `${jobId}/complete`),
      rest(stranger, 'GET', `${jobId}/failed-rows.csv`),
    ])
    for (const response of responses) {
      expect(response.status).toBe(404)
      expect(((await response.json()) as { message: string }).message).toContain(jobId)
    }
    const own = await rest(owner, 'GET', `${jobId}/failed-rows.csv`)
    expect(own.status).toBe(200)
  })

  it('lists only the org’s own uploads', async () => {
    const { owner, jobId } = await twoOrgs()
    const list = await trpc(owner, 'uploads.list', undefined, 'query')
    expect(list.data.map((job: { id: string }) => job.id)).toEqual([jobId])
    expect(list.data[0].progress.rowsWritten).toBe(0)
  })

  it('rejects routes without a session or CSRF header', async () => {
    const { owner, jobId } = await twoOrgs()
    const anonymous = await SELF.fetch(`http://x/api/uploads/${jobId}/failed-rows.csv`)
    expect(anonymous.status).toBe(401)
    const { 'x-csrf-token': _token, ...withoutCsrf } = owner
    void _token
    const forged = await rest(withoutCsrf, 'POST', `${jobId}/complete`)
    expect(forged.status).toBe(403)
    expect(((await forged.json()) as { message: string }).message).toContain('x-csrf-token')
  })

  it('lets viewers read but not upload', async () => {
    const org = await createOrg()
    const viewer = await createSignedInUser(org.id, 'viewer')
    const created = await trpc(viewer.headers, 'uploads.create', {
      entity: 'accounts',
      fileName: 'a.csv',
      size: 10,
    })
    expect(created.error?.data.code).toBe('FORBIDDEN')
    const fields = await trpc(viewer.headers, 'uploads.fields', { entity: 'accounts' }, 'query')
    expect(fields.data.map((field: { name: string }) => field.name)).toContain('join_date')
  })

  it('rejects parts of the wrong size', async () => {
    const org = await createOrg()
    const { headers } = await createSignedInUser(org.id)
    const created = await trpc(headers, 'uploads.create', {
      entity: 'accounts',
      fileName: 'a.csv',
      size: 100,
    })
    const response = await rest(headers, 'PUT', `${created.data.job.id}/parts/1`, file)
    expect(response.status).toBe(400)
    const { message } = (await response.json()) as { message: string }
    expect(message).toContain('must be exactly 100 bytes')
    const missing = await rest(headers, 'POST', `${created.data.job.id}/complete`)
    expect(missing.status).toBe(409)
  })
})

describe('upload templates', () => {
  it('serves a header generated from the account fields', async () => {
    const org = await createOrg()
    const { headers } = await createSignedInUser(org.id, 'viewer')
    const response = await rest(headers, 'GET', 'templates/accounts.csv')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-disposition')).toContain('accounts-template.csv')
    const header = (await response.text()).trim().split(',')
    expect(header.slice(0, 3)).toEqual(['account_id', 'name', 'join_date'])
    expect(header).toContain('custom_label_dimensions.tier')
  })

  it('names the templates that exist', async () => {
    const org = await createOrg()
    const { headers } = await createSignedInUser(org.id)
    const response = await rest(headers, 'GET', 'templates/widgets.csv')
    expect(response.status).toBe(404)
    expect(((await response.json()) as { message: string }).message).toContain('accounts.csv')
  })
})
