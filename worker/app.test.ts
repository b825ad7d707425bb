import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

async function requestIdFor(cfRay: string | null) {
  const headers: Record<string, string> = {}
  if (cfRay !== null) headers['cf-ray'] = cfRay
  const response = await exports.default.fetch(new Request('http://x/api/health', { headers }))
  return response.headers.get('x-request-id')
}

describe('request ids', () => {
  it("uses Cloudflare's Ray ID when the header holds one", async () => {
    expect(await requestIdFor('8f1c2d3e4f5a6b7c-SJC')).toBe('8f1c2d3e4f5a6b7c-SJC')
  })

  it.each([
    ['no cf-ray header', null],
    ['a cf-ray of 10,000 characters', 'x'.repeat(10_000)],
    ['a Ray ID with more after it', '8f1c2d3e4f5a6b7c-SJC-forged'],
  ])('makes its own id for %s', async (_case, cfRay) => {
    expect(await requestIdFor(cfRay)).toMatch(/^req_[a-z0-9]+$/)
  })
})
