import type { FastifyPluginAsync } from 'fastify'
import type { EmulatorContext } from './context.js'
import { readForm, single } from './form.js'
import { clientMatches, MALFORMED, oauthErrorHandler, sendOAuthError } from './oauth-errors.js'

export function revokeRoutes (ctx: EmulatorContext): FastifyPluginAsync {
  const { options, state, controls } = ctx
  return async (app) => {
    app.addHook('onRequest', controls.faultHook('revoke'))
    app.setErrorHandler(oauthErrorHandler(controls))

    app.post('/v2/oauth/revoke/', async (request, reply) => {
      const form = readForm(request)
      if (form === undefined) return sendOAuthError(reply, controls, 'invalid_request', MALFORMED)
      if (!clientMatches(options, single(form, 'client_key'), single(form, 'client_secret'))) {
        return sendOAuthError(reply, controls, 'invalid_client', 'Client key or secret is invalid.')
      }
      const token = single(form, 'token')
      if (token === undefined || token === '') return sendOAuthError(reply, controls, 'invalid_request', MALFORMED)
      // Unknown or already dead tokens answer 200 too: revocation is idempotent (RFC 7009 §2.2).
      state.revokeToken(token, options.clientKey)
      return reply.header('cache-control', 'no-store').send({})
    })
  }
}
