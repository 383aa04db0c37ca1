import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ok } from '../../envelope.js'
import { Envelope, SESSION_SECURITY, errorResponses, BODY_ERRORS } from '../../schemas.js'
import { sessionOf } from '../../plugins/auth.js'

const LogoutBody = Type.Union([
  Type.Object({ all_sessions: Type.Optional(Type.Boolean({ description: 'true: end every session of this user, on every instance.' })) }, { additionalProperties: false }),
  Type.Null()
])

const logoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/auth/logout', {
    config: { auth: 'session', rateLimit: app.rateLimits.auth },
    schema: {
      tags: ['session'],
      operationId: 'logout',
      summary: 'End this session (or all of the user\'s sessions)',
      description: 'Deletes the session and revokes its TikTok token (best effort: a TikTok failure is logged, never returned). Afterwards the token gets 401. The body is optional.',
      security: SESSION_SECURITY,
      body: LogoutBody,
      response: {
        200: Envelope(Type.Object({ sessions_ended: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }), 'The session(s) ended.'),
        ...BODY_ERRORS,
        ...errorResponses('invalid_params', 'access_token_invalid', 'rate_limit_exceeded', 'service_unavailable')
      }
    }
  }, async (request) => {
    const ended = await app.services.sessions.logout(sessionOf(request), request.body?.all_sessions === true, request.log)
    return ok({ sessions_ended: ended }, request.id)
  })
}

export default logoutRoutes
