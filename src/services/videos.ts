import type { FastifyBaseLogger } from 'fastify'
import type { TikTokClient, VideoPage } from '../tiktok/client.js'
import { TikTokApiError, apiError } from '../tiktok/errors.js'
import { pickVideo, videoFieldsFor } from '../scopes/select.js'
import type { Authenticated } from './sessions.js'
import type { WithToken } from './with-token.js'

// The user's public videos (TikTok's Display API, scope video.list), a page at a time or by id.
// Pages are passed on as TikTok made them: a short page with has_more true is not the end
// (TikTok filters some videos out after choosing the page).

export interface Videos {
  videos: Array<Record<string, string | number | boolean>>
  cursor: number
  hasMore: boolean
  tiktokLogId: string | undefined
}

export type VideoRequest = { fields?: string | undefined } & ({ ids: readonly string[] } | { cursor?: number | undefined, maxCount: number })

export function createVideoService (deps: { tiktok: TikTokClient, withToken: WithToken }) {
  const { tiktok, withToken } = deps

  return {
    async read (session: Authenticated, request: VideoRequest, log: FastifyBaseLogger): Promise<Videos> {
      const fields = videoFieldsFor(request.fields, session.record.scopes)
      const page: VideoPage = await withToken(session, log, async (accessToken) => {
        const call = 'ids' in request
          ? tiktok.videoQuery(accessToken, fields, request.ids)
          : tiktok.videoList(accessToken, fields, { cursor: request.cursor, maxCount: request.maxCount })
        return await call.catch((err: unknown) => {
          if (!(err instanceof TikTokApiError) || err.code === 'access_token_invalid') throw err
          throw apiError(err, ['video.list'])
        })
      })
      return {
        videos: page.videos.map((v) => pickVideo(v, fields)),
        cursor: page.cursor ?? ('cursor' in request ? request.cursor : undefined) ?? 0,
        hasMore: page.hasMore,
        tiktokLogId: page.logId
      }
    }
  }
}

export type VideoService = ReturnType<typeof createVideoService>
