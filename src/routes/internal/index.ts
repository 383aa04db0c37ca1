import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Envelope, FieldsParam, User, errorResponses, BODY_ERRORS } from '../../schemas.js'
import { INTERNAL_SECURITY, createInternalKeyMatcher } from '../bearer.js'
import { notFound, tokenInvalid } from '../../errors.js'
import { digest } from '../../session/keys.js'

// Routes for internal services (contract §4): `Authorization: Bearer <internal API key>`.
// Keys are compared in constant time against every configured key (their SHA-256, so the
// lengths match); the key's name is logged, its secret never.

const Introspection = Type.Object({
  active: Type.Boolean(),
  open_id: Type.Optional(Type.String()),
  union_id: Type.Optional(Type.String()),
  scopes: Type.Optional(Type.Array(Type.String())),
  expires_at: Type.Optional(Type.String({ format: 'date-time' }))
}, { additionalProperties: false, description: 'RFC 7662 in spirit: exactly { active: false } for anything that is not a live session.' })

const internalRoutes: FastifyPluginAsyncTypebox<{ keys: ReadonlyArray<{ name: string, secret: string }> }> = async (app, opts) => {
  const internalKey = createInternalKeyMatcher(opts.keys)

  app.addHook('onRequest', async (request) => {
    const caller = internalKey(request)
    if (caller === undefined) throw tokenInvalid('A valid internal API key is required: Authorization: Bearer <key>.')
    request.caller = caller
    request.log = request.log.child({ caller })
  })

  app.post('/internal/introspect', {
    config: { rateLimit: app.rateLimits.internal },
    schema: {
      tags: ['internal'],
      operationId: 'introspect',
      summary: 'Is this session token live?',
      security: INTERNAL_SECURITY,
      body: Type.Object({ token: Type.String({ maxLength: 1024, description: 'A session token issued by this service.' }) }, { additionalProperties: false }),
      response: { 200: Envelope(Introspection, 'The token\'s state.'), ...BODY_ERRORS, ...errorResponses('invalid_params', 'access_token_invalid', 'rate_limit_exceeded', 'service_unavailable') }
    }
  }, async (request) => {
    const record = request.body.token === '' ? null : await app.bff.sessions.find(digest(request.body.token))
    const data = record === null
      ? { active: false }
      : { active: true, open_id: record.openId, ...(record.unionId === undefined ? {} : { union_id: record.unionId }), scopes: record.scopes, expires_at: new Date(record.exp).toISOString() }
    return { data, error: { code: 'ok' as const, message: '' as const, log_id: request.id } }
  })

  app.get('/internal/users/:open_id', {
    config: { rateLimit: app.rateLimits.internal },
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
    const openId = request.params.open_id
    for (const id of await app.bff.sessions.userSessionIds(openId)) {
      const record = await app.bff.sessions.find(id)
      if (record === null || record.openId !== openId) continue
      const { user, tiktokLogId } = await app.bff.profile.read({ id, record }, request.query.fields, request.log)
      if (tiktokLogId !== undefined) {
        request.tiktokLogId = tiktokLogId
        reply.header('x-tiktok-log-id', tiktokLogId)
      }
      return { data: { user }, error: { code: 'ok' as const, message: '' as const, log_id: request.id } }
    }
    throw notFound('This user has no live session.')
  })
}

export default internalRoutes
