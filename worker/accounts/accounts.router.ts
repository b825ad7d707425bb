import { router } from '../trpc/init'

// TODO: procedures are added by the accounts work.
export const accountsRouter = router({})
