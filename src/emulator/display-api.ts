import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorContext } from './context.js'
import { list, toForm } from './form.js'
import type { Grant } from './state.js'
import type { EmulatorEndpoint } from './types.js'
import { userByOpenId, type SampleUser } from './users.js'

// What user info and the video endpoints share: TikTok's envelope and error codes
// (https://developers.tiktok.com/doc/tiktok-api-v2-error-handling), the bearer check, the rate
// window and the `fields` parameter.

export type ApiErrorCode = 'access_token_invalid' | 'scope_not_authorized' | 'invalid_params' | 'rate_limit_exceeded' | 'internal_error'

const STATUS: Record<ApiErrorCode, number> = {
  access_token_invalid: 401,
  scope_not_authorized: 401,
  invalid_params: 400,
  rate_limit_exceeded: 429,
  internal_error: 500
}

/** Thrown by a handler; the API error handler turns it into TikTok's envelope. */
export class ApiError extends Error {
  constructor (readonly code: ApiErrorCode, message: string, readonly headers: Readonly<Record<string, string>> = {}) {
    super(message)
  }
}

export const MALFORMED_PARAMS = 'The request parameters are malformed.'
export const SCOPE_NOT_AUTHORIZED = 'The user did not authorize the scope required for completing this request.'

export function sendOk (reply: FastifyReply, data: Record<string, unknown>): FastifyReply {
  return reply.send({ data, error: { code: 'ok', message: '', log_id: reply.request.id } })
}

function sendError (reply: FastifyReply, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(STATUS[code]).send({ data: {}, error: { code, message, log_id: reply.request.id } })
}

/** ApiErrors as thrown, unreadable requests (bad JSON, wrong media type) as invalid_params, the rest as internal_error. */
export function apiErrorHandler (err: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof ApiError) {
    for (const [name, value] of Object.entries(err.headers)) reply.header(name, value)
    return sendError(reply, err.code, err.message)
  }
  if ((err.statusCode ?? 500) < 500) return sendError(reply, 'invalid_params', MALFORMED_PARAMS)
  request.log.error({ err }, 'emulator failure')
  return sendError(reply, 'internal_error', 'Internal error.')
}

/** Where this request reached the emulator: the origin of the image URLs it answers with. */
export function originOf (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

function bearer (request: FastifyRequest): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')
  return match?.[1]
}

export interface Caller {
  readonly grant: Grant
  readonly user: SampleUser
}

/** The bearer's grant and user, then one call counted against the endpoint's rate window. */
export function authenticate (ctx: EmulatorContext, endpoint: EmulatorEndpoint, request: FastifyRequest): Caller {
  const token = bearer(request)
  const grant = token === undefined ? undefined : ctx.state.findAccess(token)
  const user = grant === undefined ? undefined : userByOpenId(grant.openId)
  if (grant === undefined || user === undefined) {
    throw new ApiError('access_token_invalid', 'The access token is invalid or not found in the request.')
  }
  const slot = ctx.controls.takeRateSlot(endpoint)
  // TikTok sends x-ratelimit-reset (epoch seconds) and no Retry-After.
  if (!slot.ok) {
    throw new ApiError('rate_limit_exceeded', 'API rate limit was exceeded, please retry later.', { 'x-ratelimit-reset': String(slot.resetAt) })
  }
  return { grant, user }
}

/** One of the catalogue's field tables, seen as what `fields` may name and the scope each needs. */
export interface FieldTable<F extends string> {
  isKnown (name: string): name is F
  scopeOf (field: F): string
}

/** `?fields=`: required, every name known, every scope granted. */
export function requestedFields<F extends string> (request: FastifyRequest, grant: Grant, table: FieldTable<F>): F[] {
  // The query parser already decodes `%2C`, so literal and encoded commas both work.
  const names = list(toForm(request.query) ?? {}, 'fields')
    .flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')
  if (names.length === 0) throw new ApiError('invalid_params', 'Fields is required, please provide fields in the request')
  const unknown = names.filter((n) => !table.isKnown(n))
  if (unknown.length > 0) throw new ApiError('invalid_params', `Invalid fields: ${unknown.join(',')}`)
  const fields = [...new Set(names as F[])]
  if (fields.some((f) => !grant.scopes.includes(table.scopeOf(f)))) throw new ApiError('scope_not_authorized', SCOPE_NOT_AUTHORIZED)
  return fields
}
