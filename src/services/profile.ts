import type { FastifyBaseLogger } from 'fastify'
import type { TikTokClient } from '../tiktok/client.js'
import { TikTokApiError } from '../tiktok/errors.js'
import { AppError, scopeNotAuthorized, tokenInvalid, upstreamError } from '../errors.js'
import { fieldsFor, missingScopes, pickUser } from '../scopes/select.js'
import type { FieldName } from '../scopes/catalogue.js'
import type { Authenticated, SessionService } from './sessions.js'
import type { Refresher } from './refresh.js'

// The user object of one session (GET /me, GET /internal/users/{open_id}): only fields the
// grant allows are ever asked of TikTok, and TikTok is asked every time (no cache).

export interface Profile { user: Record<string, string | number | boolean>, tiktokLogId: string | undefined }

export function createProfileService (deps: { sessions: SessionService, refresher: Refresher, tiktok: TikTokClient }) {
  const { sessions, refresher, tiktok } = deps

  function mapApiError (err: TikTokApiError, fields: readonly FieldName[], granted: readonly string[]): AppError {
    switch (err.code) {
      case 'scope_not_authorized':
      case 'scope_permission_missed': {
        // TikTok's view of the grant differs from ours (e.g. the user removed a scope).
        const missing = missingScopes(fields, granted)
        return scopeNotAuthorized(missing.length > 0 ? missing : [...new Set(granted)])
      }
      case 'rate_limit_exceeded':
        return new AppError('rate_limit_exceeded', 'TikTok\'s rate limit was hit; retry later.', { retryAfter: err.retryAfter ?? 60, tiktokLogId: err.logId })
      default:
        return upstreamError(`TikTok answered ${err.code}.`, err.logId)
    }
  }

  return {
    async read (session: Authenticated, fieldsParam: string | undefined, log: FastifyBaseLogger): Promise<Profile> {
      const fields = fieldsFor(fieldsParam, session.record.scopes)
      if (fields.length === 0) return { user: {}, tiktokLogId: undefined }
      // Awaited only when due: most requests skip a promise and a turn of the microtask queue.
      let current = refresher.due(session) ? await refresher.fresh(session, log) : session
      for (let attempt = 1; ; attempt++) {
        try {
          const info = await tiktok.userInfo(sessions.accessToken(current), fields)
          const unionId = info.user.union_id
          if (typeof unionId === 'string' && unionId !== '' && current.record.unionId === undefined) {
            // Best effort: the profile is answered even when this write fails.
            await sessions.rememberUnionId(current, unionId).catch((err: unknown) => { log.warn({ err }, 'could not remember the union_id') })
          }
          return { user: pickUser(info.user, fields), tiktokLogId: info.logId }
        } catch (err) {
          if (!(err instanceof TikTokApiError)) throw err
          if (err.code !== 'access_token_invalid') throw mapApiError(err, fields, current.record.scopes)
          // TikTok no longer accepts the access token before its recorded expiry (revoked,
          // or TikTok's clock differs): refresh once and retry once.
          if (attempt > 1) {
            await sessions.remove(current, current.record.ver)
            throw tokenInvalid('TikTok no longer accepts this session; log in again.')
          }
          current = await refresher.fresh(current, log, true)
        }
      }
    }
  }
}

export type ProfileService = ReturnType<typeof createProfileService>
