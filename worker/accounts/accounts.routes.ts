import { Hono } from 'hono'

import type { AppEnv } from '../env'

// TODO: the Natero-format Account API routes are added by the accounts work.
export const accountApiRoutes = new Hono<AppEnv>()
