import type { FastifyBaseLogger } from 'fastify'
import { Errors } from '../errors.js'
import { TikTokApiError } from '../tiktok/errors.js'
import type { Authenticated, SessionService } from './sessions.js'
import type { Refresher } from './refresh.js'

// Every call to TikTok's API on behalf of a session (/me, /me/videos, internal lookups) goes
// through here: the access token is refreshed first when due, and once more when TikTok says
// access_token_invalid before its recorded expiry (revoked, or TikTok's clock differs), then
// the call is retried once. A token TikTok refuses twice ends the session: 401, log in again.

export type WithToken = <T>(session: Authenticated, log: FastifyBaseLogger, call: (accessToken: string, current: Authenticated) => Promise<T>) => Promise<T>

export function createWithToken (deps: { sessions: SessionService, refresher: Refresher }): WithToken {
  const { sessions, refresher } = deps
  return async (session, log, call) => {
    // Awaited only when due: most requests skip a promise and a turn of the microtask queue.
    let current = refresher.due(session) ? await refresher.fresh(session, log) : session
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(sessions.accessToken(current), current)
      } catch (err) {
        if (!(err instanceof TikTokApiError) || err.code !== 'access_token_invalid') throw err
        if (attempt > 1) {
          await sessions.remove(current, current.record.ver)
          throw Errors.sessionRefused({ tiktokLogId: err.logId })
        }
        current = await refresher.fresh(current, log, true)
      }
    }
  }
}
