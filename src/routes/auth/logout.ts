import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Envelope, errorResponses, BODY_ERRORS } from '../../schemas.js'
import { SESSION_SECURITY, bearer } from '../bearer.js'

const LogoutBody = Type.Union([
  Type.Object({ all_sessions: Type.Optional(Type.Boolean({ description: 'true: end every session of this user, on every instance.' })) }, { additionalProperties: false }),
  Type.Null()
])

const logoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/auth/logout', {
    config: { rateLimit: app.rateLimits.auth },
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
    const session = await app.bff.sessions.authenticate(bearer(request))
    const ended = await app.bff.sessions.logout(session, request.body?.all_sessions === true, request.log)
    return { data: { sessions_ended: ended }, error: { code: 'ok' as const, message: '' as const, log_id: request.id } }
  })
}

export default logoutRoutes
