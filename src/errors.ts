// The one table of errors this service answers with (contract §3). A handler throws one of these;
// the error handler turns it into the envelope. Nothing else builds an error body.

export const ERROR_CODES = {
  invalid_params: 400,
  access_token_invalid: 401,
  scope_not_authorized: 403,
  not_found: 404,
  rate_limit_exceeded: 429,
  internal_error: 500,
  upstream_error: 502,
  service_unavailable: 503,
  upstream_timeout: 504
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export class AppError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  /** Seconds for a Retry-After header (429 and 503). */
  readonly retryAfter: number | undefined
  /** TikTok's own log_id when TikTok answered, passed on as x-tiktok-log-id. */
  readonly tiktokLogId: string | undefined

  constructor (code: ErrorCode, message: string, opts: { retryAfter?: number, tiktokLogId?: string, cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'AppError'
    this.code = code
    this.statusCode = ERROR_CODES[code]
    this.retryAfter = opts.retryAfter
    this.tiktokLogId = opts.tiktokLogId
  }
}

export const invalidParams = (message: string): AppError => new AppError('invalid_params', message)

export const tokenInvalid = (message = 'The session token is missing, unknown, expired or revoked.'): AppError =>
  new AppError('access_token_invalid', message)

export const scopeNotAuthorized = (missing: readonly string[]): AppError =>
  new AppError('scope_not_authorized', `The user did not grant the scope(s) needed for the requested fields: ${missing.join(', ')}.`)

export const notFound = (message: string): AppError => new AppError('not_found', message)

export const storeUnavailable = (cause?: unknown): AppError =>
  new AppError('service_unavailable', 'The session store is unreachable; try again shortly.', { retryAfter: 1, cause })

export const upstreamError = (message: string, tiktokLogId?: string, cause?: unknown): AppError =>
  new AppError('upstream_error', message, { tiktokLogId, cause })

export const upstreamTimeout = (tiktokLogId?: string): AppError =>
  new AppError('upstream_timeout', 'TikTok did not answer in time.', { tiktokLogId })
