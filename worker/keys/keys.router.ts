import { router } from '../trpc/init'

// TODO: procedures are added by the keys work.
export const keysRouter = router({})
