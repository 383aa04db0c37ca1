import type { FastifyPluginAsync } from 'fastify'
import { fieldEntry, isField, type FieldName } from '../scopes/catalogue.js'
import type { EmulatorContext } from './context.js'
import { apiErrorHandler, authenticate, originOf, requestedFields, sendOk, type FieldTable } from './display-api.js'
import { profileOf } from './users.js'

const USER_FIELDS: FieldTable<FieldName> = { isKnown: isField, scopeOf: (f) => fieldEntry(f).scope }

// https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
export function userInfoRoutes (ctx: EmulatorContext): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', ctx.controls.faultHook('user_info'))
    app.setErrorHandler(apiErrorHandler)

    app.get('/v2/user/info/', async (request, reply) => {
      const { grant, user } = authenticate(ctx, 'user_info', request)
      const fields = requestedFields(request, grant, USER_FIELDS)
      const profile = profileOf(user, originOf(request))
      const selected: Record<string, unknown> = {}
      // A field the user has no value for (an empty bio) is left out, as TikTok does.
      for (const f of fields) if (profile[f] !== undefined) selected[f] = profile[f]
      return sendOk(reply, { user: selected })
    })
  }
}
