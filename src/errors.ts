// The one table of errors this service answers with, in the manner of fastify's lib/errors.js:
// each row names its envelope code, its HTTP status and its message. Code throws a row
// (`throw Errors.unknownScopes(shown)`); the error handler (plugins/error-handler.ts) writes
// the envelope. Nothing else builds an error body, sets a status on an error or words a message.
//
// Messages are one sentence for a developer. Values that came from the caller are quoted
// (JSON.stringify), so that the log can mask them (plugins/error-handler.ts `forLog`).

/** The envelope's error codes and the HTTP status each usually goes with. */
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

export interface ErrorDetails {
  /** TikTok's own log_id when TikTok answered: passed on as x-tiktok-log-id and logged. */
  tiktokLogId?: string | undefined
  cause?: unknown
}

export class AppError extends Error {
  override readonly name = 'AppError'
  readonly code: ErrorCode
  readonly statusCode: number
  /** Seconds for a Retry-After header (429 and 503). */
  readonly retryAfter: number | undefined
  readonly tiktokLogId: string | undefined

  constructor (code: ErrorCode, statusCode: number, message: string, retryAfter: number | undefined, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.code = code
    this.statusCode = statusCode
    this.retryAfter = retryAfter
    this.tiktokLogId = details.tiktokLogId
  }
}

const row = (code: ErrorCode, status: number, message: string, retryAfter?: number, details?: ErrorDetails): AppError =>
  new AppError(code, status, message, retryAfter, details)

export const Errors = {
  // The request: parameters, bodies, routes (invalid_params unless said).
  invalidInput: (problem: string) => row('invalid_params', 400, `${problem}.`),
  malformedRequest: () => row('invalid_params', 400, 'The request is malformed.'),
  malformedUrl: () => row('invalid_params', 400, 'The URL is malformed.'),
  hostRequired: () => row('invalid_params', 400, 'The Host header is required (HTTP/1.1).'),
  invalidJson: () => row('invalid_params', 400, 'The request body is not valid JSON.'),
  emptyJson: () => row('invalid_params', 400, 'The JSON body is empty.'),
  contentLengthMismatch: () => row('invalid_params', 400, 'Content-Length does not match the body.'),
  requestTimeout: () => row('invalid_params', 408, 'The request did not arrive in time.'),
  bodyTooLarge: () => row('invalid_params', 413, 'The request body is too large.'),
  notJson: () => row('invalid_params', 415, 'The request body must be application/json.'),
  expectationFailed: () => row('invalid_params', 417, 'Only "Expect: 100-continue" is supported.'),
  headersTooLarge: () => row('invalid_params', 431, 'The request headers are too large.'),
  noSuchRoute: (method: string, path: string) => row('not_found', 404, `No such route: ${method} ${path.slice(0, 200)}.`),

  // Login.
  redirectNotAllowed: () => row('invalid_params', 400, 'redirect_uri is not in the allow-list of app redirect URIs.'),
  unknownScopes: (shown: string) => row('invalid_params', 400, `Unknown scope(s): ${shown}.`),
  stateMissing: () => row('invalid_params', 400, 'state is missing: this login cannot be matched to its start.'),
  stateUnknown: () => row('invalid_params', 400, 'state is unknown, expired or already used.'),
  handoffUnknown: () => row('invalid_params', 400, 'code is unknown, expired or already used.'),
  verifierMismatch: () => row('invalid_params', 400, 'code_verifier does not match the code_challenge of this login.'),
  videoIdsInvalid: () => row('invalid_params', 400, 'ids must be a comma-separated list of 1 to 20 video ids.'),
  idsWithPaging: () => row('invalid_params', 400, 'ids cannot be combined with cursor or max_count.'),
  codeRefused: (error: string, details: ErrorDetails) => row('invalid_params', 400, `TikTok refused the authorization code (${error}).`, undefined, details),

  // Credentials and what they allow.
  sessionRequired: () => row('access_token_invalid', 401, 'A session token is required: Authorization: Bearer <token>.'),
  sessionInvalid: () => row('access_token_invalid', 401, 'The session token is unknown, expired or revoked.'),
  sessionUnreadable: () => row('access_token_invalid', 401, 'This session can no longer be read; log in again.'),
  sessionRefused: (details: ErrorDetails = {}) => row('access_token_invalid', 401, 'TikTok no longer accepts this session; log in again.', undefined, details),
  internalKeyRequired: () => row('access_token_invalid', 401, 'A valid internal API key is required: Authorization: Bearer <key>.'),
  unknownFields: (shown: string) => row('invalid_params', 400, `Unknown field(s) in fields: ${shown}.`),
  scopeNotAuthorized: (missing: readonly string[], details: ErrorDetails = {}) =>
    row('scope_not_authorized', 403, `The user did not grant the scope(s) needed for the requested fields: ${missing.join(', ')}.`, undefined, details),
  webhookSignature: () => row('access_token_invalid', 401, 'The TikTok-Signature header is missing or does not match the body.'),
  webhookStale: () => row('access_token_invalid', 401, 'The webhook\'s signed timestamp is too far from now.'),
  webhookForeign: () => row('access_token_invalid', 401, 'The webhook is not for this app\'s client_key.'),
  userWithoutSession: () => row('not_found', 404, 'This user has no live session.'),

  // Limits.
  rateLimited: (max: number, seconds: number) => row('rate_limit_exceeded', 429, `Rate limit of ${max} requests per minute exceeded; retry in ${seconds} s.`, seconds),
  tooManyRefusals: (seconds: number) => row('rate_limit_exceeded', 429, `Too many refused credentials from this address; retry in ${seconds} s.`, seconds),
  tiktokRateLimited: (seconds: number, details: ErrorDetails) => row('rate_limit_exceeded', 429, 'TikTok\'s rate limit was hit; retry later.', seconds, details),

  // Faults: ours, TikTok's, the store's, the process's.
  internal: (cause: unknown) => row('internal_error', 500, 'An unexpected error occurred; it is logged under this log_id.', undefined, { cause }),
  upstreamStatus: (status: number, details: ErrorDetails) => row('upstream_error', 502, `TikTok answered HTTP ${status}.`, undefined, details),
  upstreamNotJson: (status: number, details: ErrorDetails) => row('upstream_error', 502, `TikTok answered HTTP ${status} with a body that is not JSON.`, undefined, details),
  upstreamUnexpected: (endpoint: string, status: number, details: ErrorDetails) =>
    row('upstream_error', 502, `TikTok's ${endpoint} endpoint answered HTTP ${status} with an unexpected body.`, undefined, details),
  upstreamRefused: (endpoint: string, code: string, details: ErrorDetails) =>
    row('upstream_error', 502, `TikTok's ${endpoint} endpoint answered ${code}.`, undefined, details),
  upstreamTooLarge: (details: ErrorDetails) => row('upstream_error', 502, 'TikTok answered with a body larger than 1 MiB.', undefined, details),
  upstreamUnreachable: (details: ErrorDetails) =>
    row('upstream_error', 502, 'TikTok could not be reached or answered with something unreadable.', undefined, details),
  storeUnavailable: (cause: unknown) => row('service_unavailable', 503, 'The session store is unreachable; try again shortly.', 1, { cause }),
  refreshInProgress: () => row('service_unavailable', 503, 'A token refresh of this session is still in progress; try again shortly.', 1),
  overloaded: () => row('service_unavailable', 503, 'The service is overloaded; retry shortly.', 5),
  shuttingDown: () => row('service_unavailable', 503, 'The service is shutting down; retry shortly.', 1),
  upstreamTimeout: (details: ErrorDetails) => row('upstream_timeout', 504, 'TikTok did not answer in time.', undefined, details)
} as const

/** An example of each envelope code, for the OpenAPI document. */
export const EXAMPLES: Readonly<Record<ErrorCode, AppError>> = {
  invalid_params: Errors.unknownFields('"email"'),
  access_token_invalid: Errors.sessionInvalid(),
  scope_not_authorized: Errors.scopeNotAuthorized(['user.info.stats']),
  not_found: Errors.noSuchRoute('GET', '/nope'),
  rate_limit_exceeded: Errors.rateLimited(300, 42),
  internal_error: Errors.internal(undefined),
  upstream_error: Errors.upstreamStatus(500, {}),
  service_unavailable: Errors.storeUnavailable(undefined),
  upstream_timeout: Errors.upstreamTimeout({})
}
