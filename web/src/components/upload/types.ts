import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'

import type { AppRouter } from '../../../../worker/trpc/router'

type Outputs = inferRouterOutputs<AppRouter>['uploads']
type Inputs = inferRouterInputs<AppRouter>['uploads']

/** An upload job as `uploads.get` returns it. */
export type UploadDetail = Outputs['get']
/** An upload job as `uploads.list` returns it. */
export type UploadSummary = Outputs['list'][number]
/** One field of the chosen API. */
export type UploadField = Outputs['fields'][number]
/** The preflight report of `uploads.check`. */
export type PreflightReport = Outputs['check']
export type UploadEntity = Inputs['create']['entity']
export type DateFormat = NonNullable<Inputs['start']['dateFormat']>
