import { router } from '../trpc/init'

// TODO: procedures are added by the orgs work.
export const orgsRouter = router({})
