import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ok } from '../envelope.js'
import { Envelope, FieldsParam, SESSION_SECURITY, User, errorResponses } from '../schemas.js'
import { sessionOf } from '../plugins/auth.js'
import { notModified, passOnLogId } from './upstream-reply.js'

const MeQuery = Type.Object({ fields: Type.Optional(FieldsParam) }, { additionalProperties: false })
const MeData = Type.Object({ user: User }, { additionalProperties: false })

const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/me', {
    config: { auth: 'session', rateLimit: app.rateLimits.me },
    schema: {
      tags: ['user'],
      operationId: 'getMe',
      summary: 'The signed-in user\'s TikTok profile',
      description: 'Proxies TikTok\'s /v2/user/info/ with only the fields the granted scopes allow, in TikTok\'s envelope. ' +
        'An unknown field is a 400 naming it; a field whose scope was not granted is a 403 naming the scopes. ' +
        'Responses carry `Cache-Control: private` and an `ETag` over `data`; `If-None-Match` gets a 304 with an empty body after the session is checked.',
      security: SESSION_SECURITY,
      querystring: MeQuery,
      response: {
        200: Envelope(MeData, 'The user object.'),
        304: Type.Null({ description: 'Not modified: the ETag in If-None-Match still matches.' }),
        ...errorResponses('invalid_params', 'access_token_invalid', 'scope_not_authorized', 'rate_limit_exceeded', 'upstream_error', 'service_unavailable', 'upstream_timeout')
      }
    }
  }, async (request, reply) => {
    const { user, tiktokLogId } = await app.services.profile.read(sessionOf(request), request.query.fields, request.log)
    passOnLogId(request, reply, tiktokLogId)
    const data = { user }
    if (notModified(request, reply, data)) return await reply.code(304).send(null)
    return ok(data, request.id)
  })
}

export default meRoutes
