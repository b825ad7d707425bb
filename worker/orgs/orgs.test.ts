import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

import {
  callTrpc,
  createApiKey,
  createOrg,
  createSignedInUser,
  createUserWithPassword,
  db,
} from '../../test/fixtures'
import { orgs, users, type Role } from './orgs.schema'
import type { Member, OrgOverview } from './orgs.service'

async function roleOf(userId: string): Promise<Role | undefined> {
  const [row] = await db().select({ role: users.role }).from(users).where(eq(users.id, userId))
  return row?.role
}

describe('orgs.overview', () => {
  it('returns the Bcc address and API bases', async () => {
    const org = await createOrg('Overview Org')
    const viewer = await createSignedInUser(org.id, 'viewer')
    const [row] = await db().select().from(orgs).where(eq(orgs.id, org.id))

    const response = await callTrpc<OrgOverview>(
      'query',
      'orgs.overview',
      undefined,
      viewer.headers,
      'https://console.example.test',
    )

    expect(response.data).toEqual({
      org: { id: org.id, name: 'Overview Org' },
      bccAddress: `${row?.bccToken}@bcc.switchyard.local`,
      accountApiBase: 'https://console.example.test/api/v2',
      eventApiBase: 'https://console.example.test/v1',
    })
  })

  it('shows each org only its own overview', async () => {
    const orgA = await createOrg('Org A')
    const orgB = await createOrg('Org B')
    const userB = await createSignedInUser(orgB.id)

    const response = await callTrpc<OrgOverview>('query', 'orgs.overview', undefined, userB.headers)

    expect(response.data?.org.id).toBe(orgB.id)
    expect(response.data?.org.id).not.toBe(orgA.id)
  })

  it('requires a session', async () => {
    const response = await callTrpc('query', 'orgs.overview')

    expect(response.status).toBe(401)
  })
})

describe('API keys', () => {
  it('cannot call orgs procedures', async () => {
    const org = await createOrg()
    const { key } = await createApiKey(org.id)
    const headers = { authorization: `Bearer ${key}` }

    const members = await callTrpc('query', 'orgs.members', undefined, headers)
    const added = await callTrpc(
      'mutation',
      'orgs.addMember',
      { email: 'by-key@example.test', name: 'Key', role: 'admin' },
      headers,
    )
    const rows = await db().select().from(users).where(eq(users.email, 'by-key@example.test'))

    // An unknown key gets 401 and a valid one 403, since orgs procedures are for console users.
    expect([401, 403]).toContain(members.status)
    expect(members.data).toBeUndefined()
    expect([401, 403]).toContain(added.status)
    expect(rows).toEqual([])
  })
})

describe('orgs.members', () => {
  it('lists the org members for any role', async () => {
    const org = await createOrg()
    const admin = await createSignedInUser(org.id, 'admin')
    const viewer = await createSignedInUser(org.id, 'viewer')

    const response = await callTrpc<Member[]>('query', 'orgs.members', undefined, viewer.headers)

    expect(response.status).toBe(200)
    expect(response.data?.map((m) => m.id).sort()).toEqual([admin.userId, viewer.userId].sort())
    expect(Object.keys(response.data?.[0] ?? {}).sort()).toEqual(
      ['createdAt', 'disabledAt', 'email', 'id', 'name', 'role'].sort(),
    )
  })

  it('never lists another org’s members', async () => {
    const orgA = await createOrg()
    const orgB = await createOrg()
    const userA = await createSignedInUser(orgA.id)
    const userB = await createSignedInUser(orgB.id)

    const response = await callTrpc<Member[]>('query', 'orgs.members', undefined, userB.headers)

    expect(response.data?.map((m) => m.id)).toEqual([userB.userId])
    expect(response.data?.map((m) => m.id)).not.toContain(userA.userId)
  })

  it('requires a session', async () => {
    const response = await callTrpc('query', 'orgs.members')

    expect(response.status).toBe(401)
  })
})

describe('orgs.addMember', () => {
  it('adds a member who signs in with the temporary password', async () => {
    const org = await createOrg()
    const admin = await createSignedInUser(org.id, 'admin')

    const added = await callTrpc<{ member: Member; temporaryPassword: string }>(
      'mutation',
      'orgs.addMember',
      { email: ' New.Person@Example.test ', name: ' New Person ', role: 'data_manager' },
      admin.headers,
    )
    const signIn = await callTrpc('mutation', 'auth.signIn', {
      email: 'new.person@example.test',
      password: added.data?.temporaryPassword,
    })
    const [row] = await db()
      .select()
      .from(users)
      .where(eq(users.id, added.data?.member.id ?? ''))

    expect(added.status).toBe(200)
    expect(added.data?.member).toMatchObject({
      email: 'new.person@example.test',
      name: 'New Person',
      role: 'data_manager',
      disabledAt: null,
    })
    expect(added.data?.temporaryPassword).toMatch(/^[a-z2-7]{16}$/)
    expect(row?.orgId).toBe(org.id)
    expect(row?.passwordHash).toMatch(/^pbkdf2-sha256\$100000\$/)
    expect(row?.passwordHash).not.toContain(added.data?.temporaryPassword)
    expect(signIn.status).toBe(200)
  })

  it('rejects an email already in use', async () => {
    const orgA = await createOrg()
    const orgB = await createOrg()
    const userA = await createSignedInUser(orgA.id)
    const adminB = await createSignedInUser(orgB.id, 'admin')

    const response = await callTrpc(
      'mutation',
      'orgs.addMember',
      { email: userA.email, name: 'Copy', role: 'viewer' },
      adminB.headers,
    )
    const [row] = await db().select().from(users).where(eq(users.id, userA.userId))

    expect(response.status).toBe(409)
    expect(response.error?.message).toContain(`email ${userA.email} already exists`)
    expect(row?.orgId).toBe(orgA.id)
  })

  it('rejects an invalid email and role', async () => {
    const org = await createOrg()
    const admin = await createSignedInUser(org.id, 'admin')

    const badEmail = await callTrpc(
      'mutation',
      'orgs.addMember',
      { email: 'not-an-email', name: 'X', role: 'viewer' },
      admin.headers,
    )
    const badRole = await callTrpc(
      'mutation',
      'orgs.addMember',
      { email: 'ok@example.test', name: 'X', role: 'owner' },
      admin.headers,
    )

    expect(badEmail.status).toBe(400)
    expect(badEmail.error?.message).toContain('"not-an-email" is not an email address')
    expect(badRole.status).toBe(400)
    expect(badRole.error?.message).toContain('Role "owner" is invalid')
  })

  it.each(['viewer', 'data_manager'] as const)('is forbidden to %s', async (role) => {
    const org = await createOrg()
    const user = await createSignedInUser(org.id, role)

    const response = await callTrpc(
      'mutation',
      'orgs.addMember',
      { email: `by-${role}@example.test`, name: 'X', role: 'admin' },
      user.headers,
    )
    const rows = await db()
      .select()
      .from(users)
      .where(eq(users.email, `by-${role}@example.test`))

    expect(response.status).toBe(403)
    expect(response.error?.message).toContain(`Your role is ${role}`)
    expect(rows).toEqual([])
  })

  it('creates one user for parallel adds', async () => {
    const org = await createOrg()
    const admin = await createSignedInUser(org.id, 'admin')
    const input = { email: 'twice@example.test', name: 'Twice', role: 'viewer' }

    const responses = await Promise.all([
      callTrpc('mutation', 'orgs.addMember', input, admin.headers),
      callTrpc('mutation', 'orgs.addMember', input, admin.headers),
    ])
    const rows = await db().select().from(users).where(eq(users.email, 'twice@example.test'))

    expect(responses.map((response) => response.status).sort()).toEqual([200, 409])
    expect(rows).toHaveLength(1)
  })

  it('adds to the caller’s org only', async () => {
    const orgA = await createOrg()
    const orgB = await createOrg()
    const adminB = await createSignedInUser(orgB.id, 'admin')
    const viewerA = await createSignedInUser(orgA.id, 'viewer')

    const added = await callTrpc<{ member: Member }>(
      'mutation',
      'orgs.addMember',
      { email: 'tenant@example.test', name: 'Tenant', role: 'admin', orgId: orgA.id },
      adminB.headers,
    )
    const membersA = await callTrpc<Member[]>('query', 'orgs.members', undefined, viewerA.headers)
    const [row] = await db()
      .select()
      .from(users)
      .where(eq(users.id, added.data?.member.id ?? ''))

    expect(row?.orgId).toBe(orgB.id)
    expect(membersA.data?.map((m) => m.email)).not.toContain('tenant@example.test')
  })
})

describe('orgs.setRole', () => {
  it('changes a member’s role', async () => {
    const org = await createOrg()
    const admin = await createSignedInUser(org.id, 'admin')
    const viewer = await createSignedInUser(org.id, 'viewer')

    const response = await callTrpc<Member>(
      'mutation',
      'orgs.setRole',
      { userId: viewer.userId, role: 'data_manager' },
      admin.headers,
    )

    expect(response.status).toBe(200)
    expect(response.data?.role).toBe('data_manager')
    expect(await roleOf(viewer.userId)).toBe('data_manager')
  })

  it('keeps the last admin', async () => {
    const org = await createOrg()
    const admin = await createSignedInUser(org.id, 'admin')

    const response = await callTrpc(
      'mutation',
      'orgs.setRole',
      { userId: admin.userId, role: 'viewer' },
      admin.headers,
    )

    expect(response.status).toBe(412)
    expect(response.error?.message).toContain('is the last admin of this org')
    expect(await roleOf(admin.userId)).toBe('admin')
  })

  it('ignores disabled admins when counting', async () => {
    const org = await createOrg()
    const admin = await createSignedInUser(org.id, 'admin')
    const disabled = await createUserWithPassword(org.id, 'admin')
    await db().update(users).set({ disabledAt: Date.now() }).where(eq(users.id, disabled.userId))

    const response = await callTrpc(
      'mutation',
      'orgs.setRole',
      { userId: admin.userId, role: 'viewer' },
      admin.headers,
    )

    expect(response.status).toBe(412)
    expect(await roleOf(admin.userId)).toBe('admin')
  })

  it('demotes one of two admins only', async () => {
    const org = await createOrg()
    const first = await createSignedInUser(org.id, 'admin')
    const second = await createSignedInUser(org.id, 'admin')

    const demoted = await callTrpc(
      'mutation',
      'orgs.setRole',
      { userId: second.userId, role: 'viewer' },
      first.headers,
    )
    const last = await callTrpc(
      'mutation',
      'orgs.setRole',
      { userId: first.userId, role: 'data_manager' },
      first.headers,
    )

    expect(demoted.status).toBe(200)
    expect(last.status).toBe(412)
    expect(await roleOf(first.userId)).toBe('admin')
  })

  it('is not blocked by an admin in another org', async () => {
    const orgA = await createOrg()
    const orgB = await createOrg()
    await createSignedInUser(orgB.id, 'admin')
    const adminA = await createSignedInUser(orgA.id, 'admin')

    const response = await callTrpc(
      'mutation',
      'orgs.setRole',
      { userId: adminA.userId, role: 'viewer' },
      adminA.headers,
    )

    expect(response.status).toBe(412)
  })

  it.each(['viewer', 'data_manager'] as const)('is forbidden to %s', async (role) => {
    const org = await createOrg()
    await createSignedInUser(org.id, 'admin')
    const user = await createSignedInUser(org.id, role)

    const response = await callTrpc(
      'mutation',
      'orgs.setRole',
      { userId: user.userId, role: 'admin' },
      user.headers,
    )

    expect(response.status).toBe(403)
    expect(await roleOf(user.userId)).toBe(role)
  })

  it('cannot change another org’s member', async () => {
    const orgA = await createOrg()
    const orgB = await createOrg()
    const viewerA = await createSignedInUser(orgA.id, 'viewer')
    const adminB = await createSignedInUser(orgB.id, 'admin')

    const response = await callTrpc(
      'mutation',
      'orgs.setRole',
      { userId: viewerA.userId, role: 'admin' },
      adminB.headers,
    )

    expect(response.status).toBe(404)
    expect(response.error?.message).toContain(`No member ${viewerA.userId} in your org`)
    expect(await roleOf(viewerA.userId)).toBe('viewer')
  })

  it('rejects an unknown user id', async () => {
    const org = await createOrg()
    const admin = await createSignedInUser(org.id, 'admin')

    const response = await callTrpc(
      'mutation',
      'orgs.setRole',
      { userId: 'usr_missing', role: 'viewer' },
      admin.headers,
    )

    expect(response.status).toBe(404)
  })
})
