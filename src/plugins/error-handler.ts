import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, ERROR_CODES, type ErrorCode } from '../errors.js'
import { fail } from '../envelope.js'
import { StoreError } from '../session/record.js'

// Every failure answers the envelope (contract §3): our errors, validation, unknown routes,
// body-parser errors, rate limits and crashes. 5xx are logged with the stack, 4xx without.

const FRAMEWORK_STATUS: Record<string, { status: number, message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, message: 'The request body must be application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, message: 'Content-Length does not match the body.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, message: 'The JSON body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, message: 'The request body is not valid JSON.' },
  FST_ERR_BAD_URL: { status: 400, message: 'The URL is malformed.' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, message: 'The request is malformed.' }
}

export function toAppError (err: FastifyError | Error): AppError {
  if (err instanceof AppError) return err
  if (err instanceof StoreError) return new AppError('service_unavailable', 'The session store is unreachable; try again shortly.', { retryAfter: 1, cause: err })
  const fe = err as FastifyError
  if (fe.validation !== undefined) {
    const where = fe.validationContext ?? 'request'
    const first = fe.validation[0]
    const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
    const extra = first?.params as { additionalProperty?: string, missingProperty?: string } | undefined
    const name = extra?.additionalProperty ?? extra?.missingProperty ?? path
    const detail = extra?.additionalProperty !== undefined ? 'is not allowed' : extra?.missingProperty !== undefined ? 'is required' : (first?.message ?? 'is invalid')
    // A property the caller made up is quoted, like every echo of caller input (see forLog).
    const shown = extra?.additionalProperty !== undefined ? ` property ${JSON.stringify(name)}` : name === '' ? '' : `.${name}`
    return new AppError('invalid_params', `${where}${shown} ${detail}.`)
  }
  const known = fe.code === undefined ? undefined : FRAMEWORK_STATUS[fe.code]
  if (known !== undefined) return Object.assign(new AppError('invalid_params', known.message), { statusCode: known.status })
  if (err instanceof SyntaxError && fe.statusCode === 400) return new AppError('invalid_params', 'The request body is not valid JSON.')
  if (fe.statusCode === 429) return new AppError('rate_limit_exceeded', 'Rate limit exceeded; retry after the Retry-After header\'s seconds.')
  if (fe.statusCode === 503) return new AppError('service_unavailable', 'The service is overloaded or shutting down; retry shortly.', { retryAfter: 5 })
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return Object.assign(new AppError('invalid_params', 'The request is malformed.'), { statusCode: fe.statusCode })
  }
  return new AppError('internal_error', 'An unexpected error occurred; it is logged under this log_id.', { cause: err })
}

/**
 * A 4xx message for the log: the caller's own values, which messages echo in quotes (unknown
 * fields, scopes, properties), are left out. Like the query string they are never logged: a
 * client that put a token or code in the wrong place must not leave it in the logs.
 */
export function forLog (message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
}

export function sendError (err: Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = toAppError(err)
  if (e.statusCode >= 500) request.log.error({ err: e.cause ?? err, code: e.code }, e.message)
  else request.log.info({ code: e.code }, forLog(e.message))
  // Errors raised before routing (frameworkErrors: a malformed URL) run no onRequest hook.
  reply.header('x-log-id', request.id).header('x-content-type-options', 'nosniff')
  if (e.retryAfter !== undefined) reply.header('retry-after', String(e.retryAfter))
  if (e.tiktokLogId !== undefined) {
    reply.header('x-tiktok-log-id', e.tiktokLogId)
    request.tiktokLogId = e.tiktokLogId
  }
  return reply.code(e.statusCode).type('application/json; charset=utf-8').send(fail(e.code, e.message, request.id))
}

export const statusOf = (code: ErrorCode): number => ERROR_CODES[code]

export default fp(async function errorHandler (app: FastifyInstance) {
  app.decorateRequest('tiktokLogId', undefined)
  app.decorateRequest('caller', undefined)
  app.setErrorHandler((err: FastifyError, request, reply) => sendError(err, request, reply))
  app.setNotFoundHandler((request, reply) => {
    sendError(new AppError('not_found', `No such route: ${request.method} ${request.url.split('?')[0]?.slice(0, 200) ?? ''}.`), request, reply)
  })
}, { name: 'error-handler' })

declare module 'fastify' {
  interface FastifyRequest {
    /** TikTok's log_id of the upstream call this request made, for the request log line. */
    tiktokLogId: string | undefined
    /** The internal caller's key name (routes/internal), for the request log line. */
    caller: string | undefined
  }
}
