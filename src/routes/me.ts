import { hash } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Envelope, FieldsParam, User, errorResponses } from '../schemas.js'
import { SESSION_SECURITY, bearer } from './bearer.js'

const MeQuery = Type.Object({ fields: Type.Optional(FieldsParam) }, { additionalProperties: false })
const MeData = Type.Object({ user: User }, { additionalProperties: false })
/** The same schema as Fastify's compileSerializationSchema types it: a plain JSON Schema object. */
const MeDataSchema = MeData as unknown as Record<string, unknown>

/** A strong ETag over `data` only: the envelope's log_id differs on every answer. */
export function etagOf (dataJson: string): string {
  return `"${hash('sha1', dataJson, 'base64url')}"`
}

export function matches (ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  return ifNoneMatch.split(',').some((t) => { const v = t.trim(); return v === '*' || v === etag || v === `W/${etag}` })
}

const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/me', {
    config: { rateLimit: app.rateLimits.me },
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
  }, async (request, typedReply) => {
    // The body is serialized here (below), so the untyped reply is used to send it.
    const reply: FastifyReply = typedReply
    const session = await app.bff.sessions.authenticate(bearer(request))
    const { user, tiktokLogId } = await app.bff.profile.read(session, request.query.fields, request.log)
    if (tiktokLogId !== undefined) {
      request.tiktokLogId = tiktokLogId
      reply.header('x-tiktok-log-id', tiktokLogId)
    }
    // Serialized once here, by the serializer compiled from the schema (compiled once per
    // route), to hash exactly the bytes sent.
    const dataJson = reply.compileSerializationSchema(MeDataSchema)({ user })
    const etag = etagOf(dataJson)
    reply.header('cache-control', 'private, no-cache').header('etag', etag).header('vary', 'Authorization')
    if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send()
    return reply.type('application/json; charset=utf-8')
      .send(`{"data":${dataJson},"error":{"code":"ok","message":"","log_id":"${request.id}"}}`)
  })
}

export default meRoutes
