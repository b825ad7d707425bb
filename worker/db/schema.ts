// The drizzle schema, gathered from the capability folders that own each table.
export * from '../orgs/orgs.schema'
export * from '../auth/auth.schema'
export * from '../keys/keys.schema'
export * from '../accounts/accounts.schema'
export * from '../uploads/uploads.schema'
export * from '../events/events.schema'
