import type { FastifyBaseLogger } from 'fastify'
import type { TikTokClient } from '../tiktok/client.js'
import { TikTokApiError, apiError } from '../tiktok/errors.js'
import { Errors } from '../errors.js'
import { fieldsFor, missingScopes, pickUser } from '../scopes/select.js'
import type { Authenticated, SessionService } from './sessions.js'
import type { WithToken } from './with-token.js'

// The user object of one session (GET /me, GET /internal/users/{open_id}): only fields the
// grant allows are ever asked of TikTok, and TikTok is asked every time (no cache).

export interface Profile { user: Record<string, string | number | boolean>, tiktokLogId: string | undefined }

export function createProfileService (deps: { sessions: SessionService, tiktok: TikTokClient, withToken: WithToken }) {
  const { sessions, tiktok, withToken } = deps

  async function read (session: Authenticated, fieldsParam: string | undefined, log: FastifyBaseLogger): Promise<Profile> {
    const fields = fieldsFor(fieldsParam, session.record.scopes)
    if (fields.length === 0) return { user: {}, tiktokLogId: undefined }
    return await withToken(session, log, async (accessToken, current) => {
      const info = await tiktok.userInfo(accessToken, fields).catch((err: unknown) => {
        if (!(err instanceof TikTokApiError) || err.code === 'access_token_invalid') throw err
        const missing = missingScopes(fields, current.record.scopes)
        throw apiError(err, missing.length > 0 ? missing : [...new Set(current.record.scopes)])
      })
      const unionId = info.user.union_id
      if (typeof unionId === 'string' && unionId !== '' && current.record.unionId === undefined) {
        // Best effort: the profile is answered even when this write fails.
        await sessions.rememberUnionId(current, unionId).catch((err: unknown) => { log.warn({ err }, 'could not remember the union_id') })
      }
      return { user: pickUser(info.user, fields), tiktokLogId: info.logId }
    })
  }

  return {
    read,

    /** A user's profile through their freshest live session (internal lookups). */
    async readUser (openId: string, fieldsParam: string | undefined, log: FastifyBaseLogger): Promise<Profile> {
      for (const id of await sessions.userSessionIds(openId)) {
        const record = await sessions.find(id)
        if (record !== null && record.openId === openId) return await read({ id, record }, fieldsParam, log)
      }
      throw Errors.userWithoutSession()
    }
  }
}

export type ProfileService = ReturnType<typeof createProfileService>
