import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ok } from '../../envelope.js'
import { passOnLogId } from '../upstream-reply.js'
import { Envelope, FieldsParam, INTERNAL_SECURITY, User, errorResponses, BODY_ERRORS } from '../../schemas.js'

// Routes for internal services: `Authorization: Bearer <internal API key>` (plugins/auth.ts).

const Introspection = Type.Object({
  active: Type.Boolean(),
  open_id: Type.Optional(Type.String()),
  union_id: Type.Optional(Type.String()),
  scopes: Type.Optional(Type.Array(Type.String())),
  expires_at: Type.Optional(Type.String({ format: 'date-time' }))
}, { additionalProperties: false, description: 'RFC 7662 in spirit: exactly { active: false } for anything that is not a live session.' })

const internalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/internal/introspect', {
    config: { auth: 'internal', rateLimit: app.rateLimits.internal },
    schema: {
      tags: ['internal'],
      operationId: 'introspect',
      summary: 'Is this session token live?',
      security: INTERNAL_SECURITY,
      body: Type.Object({ token: Type.String({ maxLength: 1024, description: 'A session token issued by this service.' }) }, { additionalProperties: false }),
      response: { 200: Envelope(Introspection, 'The token\'s state.'), ...BODY_ERRORS, ...errorResponses('invalid_params', 'access_token_invalid', 'rate_limit_exceeded', 'service_unavailable') }
    }
  }, async (request) => {
    const record = await app.services.sessions.introspect(request.body.token)
    const data = record === null
      ? { active: false }
      : { active: true, open_id: record.openId, ...(record.unionId === undefined ? {} : { union_id: record.unionId }), scopes: record.scopes, expires_at: new Date(record.exp).toISOString() }
    return ok(data, request.id)
  })

  app.get('/internal/users/:open_id', {
    config: { auth: 'internal', rateLimit: app.rateLimits.internal },
    schema: {
      tags: ['internal'],
      operationId: 'getUser',
      summary: 'A user\'s TikTok profile, through their freshest live session',
      description: 'The same user object and scope rules as GET /me; 404 when the user has no live session.',
      security: INTERNAL_SECURITY,
      params: Type.Object({ open_id: Type.String({ minLength: 1, maxLength: 256 }) }),
      querystring: Type.Object({ fields: Type.Optional(FieldsParam) }, { additionalProperties: false }),
      response: {
        200: Envelope(Type.Object({ user: User }, { additionalProperties: false }), 'The user object.'),
        ...errorResponses('invalid_params', 'access_token_invalid', 'scope_not_authorized', 'not_found', 'rate_limit_exceeded', 'upstream_error', 'service_unavailable', 'upstream_timeout')
      }
    }
  }, async (request, reply) => {
    const { user, tiktokLogId } = await app.services.profile.readUser(request.params.open_id, request.query.fields, request.log)
    passOnLogId(request, reply, tiktokLogId)
    return ok({ user }, request.id)
  })
}

export default internalRoutes
