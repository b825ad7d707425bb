import { router } from '../trpc/init'

// TODO: procedures are added by the auth work.
export const authRouter = router({})
