import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'
import { TRPCError } from '@trpc/server'
import { and, asc, eq, ne, sql } from 'drizzle-orm'

import { normalizeEmail } from '../auth/auth.service'
import { hashPassword } from '../auth/password'
import type { Database } from '../db/client'
import { createId, randomBytes } from '../lib/ids'
import { logEvent } from '../lib/log'
import { orgs, users, type Role } from './orgs.schema'

/** The org's addresses an IT admin hands to integrators. */
export interface OrgOverview {
  org: { id: string; name: string }
  bccAddress: string
  accountApiBase: string
  eventApiBase: string
}

/** A console user as the members page lists it. */
export interface Member {
  id: string
  email: string
  name: string
  role: Role
  createdAt: number
  disabledAt: number | null
}

const memberColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  createdAt: users.createdAt,
  disabledAt: users.disabledAt,
}

/**
 * Returns the org's name, Bcc address (`<bcc token>@<bccDomain>`) and the API base URLs under
 * `origin`, the scheme and host the console was loaded from.
 */
export async function getOverview(
  db: Database,
  orgId: string,
  bccDomain: string,
  origin: string,
): Promise<OrgOverview> {
  const [org] = await db.select().from(orgs).where(eq(orgs.id, orgId)).limit(1)
  if (!org) throw new TRPCError({ code: 'NOT_FOUND', message: `Org ${orgId} does not exist.` })
  return {
    org: { id: org.id, name: org.name },
    bccAddress: `${org.bccToken}@${bccDomain}`,
    accountApiBase: `${origin}/api/v2`,
    eventApiBase: `${origin}/v1`,
  }
}

/** Lists the org's console users, oldest first. */
export async function listMembers(db: Database, orgId: string): Promise<Member[]> {
  return db
    .select(memberColumns)
    .from(users)
    .where(eq(users.orgId, orgId))
    .orderBy(asc(users.createdAt), asc(users.id))
}

/**
 * Adds a console user to the org with a random temporary password and returns the password. It is
 * not stored anywhere in clear, so the caller must show it once to the admin who added the user.
 */
export async function addMember(
  db: Database,
  orgId: string,
  input: { email: string; name: string; role: Role },
): Promise<{ member: Member; temporaryPassword: string }> {
  const email = normalizeEmail(input.email)
  const temporaryPassword = encodeBase32LowerCaseNoPadding(randomBytes(10))
  const member: Member = {
    id: createId('usr'),
    email,
    name: input.name.trim(),
    role: input.role,
    createdAt: Date.now(),
    disabledAt: null,
  }

  // The unique email index decides, so two admins adding one address at once get one user.
  const inserted = await db
    .insert(users)
    .values({ ...member, orgId, passwordHash: await hashPassword(temporaryPassword) })
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id })
  if (inserted.length === 0) {
    throw new TRPCError({
      code: 'CONFLICT',
      message: `A user with email ${email} already exists. Use another address.`,
    })
  }
  logEvent('orgs.member_added', { orgId, userId: member.id, role: member.role })
  return { member, temporaryPassword }
}

/**
 * Changes a member's role. The update and the check that another enabled admin remains happen in
 * one statement, so two admins demoting each other at once cannot leave the org without one.
 */
export async function setRole(
  db: Database,
  orgId: string,
  input: { userId: string; role: Role },
): Promise<Member> {
  const [target] = await db
    .select(memberColumns)
    .from(users)
    .where(and(eq(users.id, input.userId), eq(users.orgId, orgId)))
    .limit(1)
  if (!target) {
    throw new TRPCError({
      code: 'NOT_FOUND',
      message: `No member ${input.userId} in your org. Pick a user from the members list.`,
    })
  }

  const otherAdmins = db
    .select({ count: sql<number>`count(*)` })
    .from(users)
    .where(
      and(
        eq(users.orgId, orgId),
        eq(users.role, 'admin'),
        sql`${users.disabledAt} IS NULL`,
        ne(users.id, input.userId),
      ),
    )
  const keepsAnAdmin =
    input.role === 'admin' ? sql`1` : sql`(${users.role} <> 'admin' OR (${otherAdmins}) > 0)`
  const updated = await db
    .update(users)
    .set({ role: input.role })
    .where(and(eq(users.id, input.userId), eq(users.orgId, orgId), keepsAnAdmin))
    .returning(memberColumns)

  const [member] = updated
  if (!member) {
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: `${target.email} is the last admin of this org, so their role cannot change. Make another member an admin first.`,
    })
  }
  logEvent('orgs.role_changed', { orgId, userId: member.id, role: member.role })
  return member
}
