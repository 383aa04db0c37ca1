import { errors as undiciErrors } from 'undici'
import { AppError, Errors } from '../errors.js'

// TikTok's and undici's failures, mapped onto this service's error table (src/errors.ts).
// Branch on codes, never on message texts.

export type TikTokEndpoint = 'token' | 'revoke' | 'user_info' | 'video_list' | 'video_query'

/** TikTok answered the token endpoint with a flat OAuth error (https://developers.tiktok.com/doc/oauth-error-handling). */
export class TikTokOAuthError extends Error {
  readonly error: string
  readonly description: string
  readonly logId: string | undefined
  constructor (error: string, description: string, logId: string | undefined) {
    super(`TikTok refused: ${error}`)
    this.name = 'TikTokOAuthError'
    this.error = error
    this.description = description
    this.logId = logId
  }

  /** Errors after which the grant is over; everything else is transient or ours. */
  get refused (): boolean {
    return this.error === 'invalid_grant' || this.error === 'access_denied'
  }
}

/** TikTok's API envelope carried a non-ok code (https://developers.tiktok.com/doc/tiktok-api-v2-error-handling). */
export class TikTokApiError extends Error {
  readonly code: string
  readonly logId: string | undefined
  readonly retryAfter: number | undefined
  constructor (code: string, logId: string | undefined, retryAfter?: number) {
    super(`TikTok answered ${code}`)
    this.name = 'TikTokApiError'
    this.code = code
    this.logId = logId
    this.retryAfter = retryAfter
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])

export function isTimeout (err: unknown): boolean {
  if (err instanceof undiciErrors.UndiciError && TIMEOUT_CODES.has((err as { code?: string }).code ?? '')) return true
  const name = (err as { name?: string } | null)?.name
  return name === 'TimeoutError' || name === 'AbortError'
}

/** Any failure of a call to TikTok that is not a decision of TikTok's: a timeout or a broken answer. */
export function transportError (err: unknown, logId?: string): AppError {
  if (err instanceof AppError) return err
  if (isTimeout(err)) return Errors.upstreamTimeout({ tiktokLogId: logId })
  return Errors.upstreamUnreachable({ tiktokLogId: logId, cause: err })
}

/**
 * A non-ok code of TikTok's API envelope, on our table. `missing`: the scopes to name when
 * TikTok says one is missing (TikTok's view of the grant differs from ours, e.g. the user
 * removed a scope since): 403, naming them.
 */
export function apiError (err: TikTokApiError, missing: readonly string[]): AppError {
  switch (err.code) {
    case 'scope_not_authorized':
    case 'scope_permission_missed':
      return Errors.scopeNotAuthorized(missing, { tiktokLogId: err.logId })
    case 'rate_limit_exceeded':
      return Errors.tiktokRateLimited(err.retryAfter ?? 60, { tiktokLogId: err.logId })
    default:
      return Errors.upstreamRefused('API', err.code, { tiktokLogId: err.logId })
  }
}

/** Seconds to wait, from TikTok's Retry-After or x-ratelimit-reset (epoch seconds) headers. */
export function retryAfterSeconds (headers: Record<string, string | string[] | undefined>, now = Date.now()): number {
  const first = (v: string | string[] | undefined): string | undefined => Array.isArray(v) ? v[0] : v
  const retry = Number(first(headers['retry-after']))
  if (Number.isFinite(retry) && retry > 0) return Math.ceil(retry)
  const reset = Number(first(headers['x-ratelimit-reset']))
  if (Number.isFinite(reset) && reset > 0) return Math.max(1, Math.ceil(reset - now / 1000))
  return 60
}
