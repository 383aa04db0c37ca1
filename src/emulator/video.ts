import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { isVideoField, videoFieldEntry, type VideoFieldName } from '../scopes/catalogue.js'
import type { EmulatorContext } from './context.js'
import {
  ApiError, apiErrorHandler, authenticate, MALFORMED_PARAMS, originOf, requestedFields, sendOk, type FieldTable
} from './display-api.js'
import { videoObject, videosOf, type SampleVideo } from './videos.js'

// TikTok's Display API: https://developers.tiktok.com/doc/tiktok-api-v2-video-list and
// https://developers.tiktok.com/doc/tiktok-api-v2-video-query.

const VIDEO_FIELDS: FieldTable<VideoFieldName> = { isKnown: isVideoField, scopeOf: (f) => videoFieldEntry(f).scope }
const DEFAULT_MAX_COUNT = 10
const MAX_COUNT = 20
const MAX_IDS = 20

function invalid (message: string): ApiError {
  return new ApiError('invalid_params', message)
}

/** The JSON body as an object; no body at all reads as `{}` (every list parameter is optional). */
function jsonBody (request: FastifyRequest): Record<string, unknown> {
  const body: unknown = request.body
  if (body === undefined || body === null) return {}
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json' || typeof body !== 'object' || Array.isArray(body)) throw invalid(MALFORMED_PARAMS)
  return body as Record<string, unknown>
}

function integer (body: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = body[name]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}`)
  }
  return value
}

interface Page { videos: SampleVideo[], cursor: number, hasMore: boolean }

/**
 * Newest first, strictly older than the cursor (a millisecond timestamp). The window of
 * `max_count` videos includes those under review, which are then left out: the cursor moves past
 * them and the page comes back short while has_more stays true.
 */
function listPage (openId: string, cursor: number | undefined, maxCount: number): Page {
  const older = videosOf(openId).filter((v) => cursor === undefined || v.createTime * 1000 < cursor)
  const window = older.slice(0, maxCount)
  const last = window.at(-1)
  return {
    videos: window.filter((v) => !v.underReview),
    cursor: last === undefined ? cursor ?? 0 : last.createTime * 1000,
    hasMore: older.length > maxCount
  }
}

/** `filters.video_ids`: 1 to 20 ids, as strings. */
function videoIds (body: Record<string, unknown>): string[] {
  const filters = body.filters
  const ids = typeof filters === 'object' && filters !== null && 'video_ids' in filters ? filters.video_ids : undefined
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IDS || !ids.every((id) => typeof id === 'string')) {
    throw invalid(`filters.video_ids must be a list of 1 to ${MAX_IDS} video ids`)
  }
  return ids as string[]
}

function pick (video: Record<VideoFieldName, unknown>, fields: readonly VideoFieldName[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, video[f]]))
}

export function videoRoutes (ctx: EmulatorContext): FastifyPluginAsync {
  const { controls } = ctx
  return async (app) => {
    app.setErrorHandler(apiErrorHandler)

    app.post('/v2/video/list/', { onRequest: controls.faultHook('video_list') }, async (request, reply) => {
      const { grant } = authenticate(ctx, 'video_list', request)
      const fields = requestedFields(request, grant, VIDEO_FIELDS)
      const body = jsonBody(request)
      // A zero cursor is what clients with int64 defaults send on the first page: read it as "now".
      const given = integer(body, 'cursor', 0, Number.MAX_SAFE_INTEGER)
      const cursor = given === 0 ? undefined : given
      const maxCount = integer(body, 'max_count', 1, MAX_COUNT) ?? DEFAULT_MAX_COUNT
      const page = listPage(grant.openId, cursor, maxCount)
      const origin = originOf(request)
      return sendOk(reply, {
        videos: page.videos.map((v) => pick(videoObject(v, origin), fields)),
        cursor: page.cursor,
        has_more: page.hasMore
      })
    })

    app.post('/v2/video/query/', { onRequest: controls.faultHook('video_query') }, async (request, reply) => {
      const { grant } = authenticate(ctx, 'video_query', request)
      const fields = requestedFields(request, grant, VIDEO_FIELDS)
      const wanted = new Set(videoIds(jsonBody(request)))
      // Other users' videos, unknown ids and videos under review are simply absent.
      const found = videosOf(grant.openId).filter((v) => wanted.has(v.id) && !v.underReview)
      const origin = originOf(request)
      return sendOk(reply, { videos: found.map((v) => pick(videoObject(v, origin), fields)), cursor: 0, has_more: false })
    })
  }
}
