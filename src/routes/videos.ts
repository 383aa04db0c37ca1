import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ok } from '../envelope.js'
import { Errors } from '../errors.js'
import { Envelope, SESSION_SECURITY, Video, VideoFieldsParam, errorResponses } from '../schemas.js'
import { sessionOf } from '../plugins/auth.js'
import { notModified, passOnLogId } from './upstream-reply.js'

const DEFAULT_MAX_COUNT = 10
const MAX_IDS = 20
const VIDEO_ID = /^[A-Za-z0-9_-]{1,64}$/

const VideosQuery = Type.Object({
  cursor: Type.Optional(Type.Integer({ minimum: 0, format: 'int64', description: 'The `cursor` of the previous page (UTC milliseconds): the next, older page.' })),
  max_count: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: `Videos per page, 1 to 20 (default ${DEFAULT_MAX_COUNT}). TikTok may answer fewer, even when has_more is true.` })),
  ids: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: `Comma-separated video ids (1 to ${MAX_IDS}): these videos of the user, through TikTok's video query (to refresh cover URLs, which TikTok signs for 6 hours). Not with cursor or max_count.` })),
  fields: Type.Optional(VideoFieldsParam)
}, { additionalProperties: false })

const VideosData = Type.Object({
  videos: Type.Array(Video),
  cursor: Type.Integer({ format: 'int64', description: 'Pass it back as `cursor` for the next, older page.' }),
  has_more: Type.Boolean({ description: 'Whether older videos remain. A short page is not the end.' })
}, { additionalProperties: false })

function parseIds (param: string): string[] {
  const ids = [...new Set(param.split(',').map((s) => s.trim()))]
  if (ids.length > MAX_IDS || !ids.every((id) => VIDEO_ID.test(id))) throw Errors.videoIdsInvalid()
  return ids
}

const videoRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/me/videos', {
    config: { auth: 'session', rateLimit: app.rateLimits.me },
    schema: {
      tags: ['user'],
      operationId: 'getMyVideos',
      summary: 'The signed-in user\'s public videos',
      description: 'Proxies TikTok\'s /v2/video/list/ (newest first, a page at a time) or, with `ids`, /v2/video/query/, in TikTok\'s envelope. ' +
        'Needs the `video.list` scope: without it, a 403 naming it and TikTok is not called. An unknown field is a 400 naming it. ' +
        'Responses carry `Cache-Control: private` and an `ETag` over `data`, as GET /me.',
      security: SESSION_SECURITY,
      querystring: VideosQuery,
      response: {
        200: Envelope(VideosData, 'A page of videos.'),
        304: Type.Null({ description: 'Not modified: the ETag in If-None-Match still matches.' }),
        ...errorResponses('invalid_params', 'access_token_invalid', 'scope_not_authorized', 'rate_limit_exceeded', 'upstream_error', 'service_unavailable', 'upstream_timeout')
      }
    }
  }, async (request, reply) => {
    const q = request.query
    if (q.ids !== undefined && (q.cursor !== undefined || q.max_count !== undefined)) throw Errors.idsWithPaging()
    const page = await app.services.videos.read(sessionOf(request), q.ids !== undefined
      ? { ids: parseIds(q.ids), fields: q.fields }
      : { cursor: q.cursor, maxCount: q.max_count ?? DEFAULT_MAX_COUNT, fields: q.fields }, request.log)
    passOnLogId(request, reply, page.tiktokLogId)
    const data = { videos: page.videos, cursor: page.cursor, has_more: page.hasMore }
    if (notModified(request, reply, data)) return await reply.code(304).send(null)
    return ok(data, request.id)
  })
}

export default videoRoutes
