import { z } from 'zod'

import { consoleProcedure, router } from '../trpc/init'
import { roles } from './orgs.schema'
import { addMember, getOverview, listMembers, setRole } from './orgs.service'

const roleInput = z.enum(roles, {
  error: (issue) =>
    `Role ${JSON.stringify(issue.input)} is invalid: use one of ${roles.join(', ')}.`,
})

const addMemberInput = z.object({
  email: z
    .string()
    .trim()
    .pipe(
      z
        .email({
          error: (issue) =>
            `${JSON.stringify(issue.input)} is not an email address: enter one such as ana@example.com.`,
        })
        .max(320),
    ),
  name: z.string().trim().min(1, { error: 'Enter the new member’s name.' }).max(200),
  role: roleInput,
})

const setRoleInput = z.object({
  userId: z.string().min(1, { error: 'Missing userId: pick a member from the members list.' }),
  role: roleInput,
})

/** The signed-in user's org: its addresses and its console users. */
export const orgsRouter = router({
  /** Returns the org's name, Bcc address and API base URLs. */
  overview: consoleProcedure('viewer').query(({ ctx }) =>
    getOverview(ctx.db, ctx.principal.orgId, ctx.env.BCC_DOMAIN, new URL(ctx.req.url).origin),
  ),

  /** Lists the org's console users. */
  members: consoleProcedure('viewer').query(({ ctx }) => listMembers(ctx.db, ctx.principal.orgId)),

  /** Adds a console user and returns its temporary password, shown once. Admins only. */
  addMember: consoleProcedure('admin')
    .input(addMemberInput)
    .mutation(({ ctx, input }) => addMember(ctx.db, ctx.principal.orgId, input)),

  /** Changes a member's role; the org's last admin cannot be demoted. Admins only. */
  setRole: consoleProcedure('admin')
    .input(setRoleInput)
    .mutation(({ ctx, input }) => setRole(ctx.db, ctx.principal.orgId, input)),
})
