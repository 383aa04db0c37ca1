import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, Errors } from '../errors.js'
import { fail } from '../envelope.js'
import { StoreError } from '../session/store.js'

// Every failure answers the envelope: our errors, validation, unknown routes, body-parser
// errors, rate limits and crashes. 5xx are logged with the stack, 4xx without. This is the one
// place where a failure becomes a status: StoreError and Fastify's own errors included.

/** Fastify's errors for what the caller sent, as rows of the error table. */
const FRAMEWORK_ERRORS: Record<string, () => AppError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: Errors.bodyTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: Errors.notJson,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: Errors.contentLengthMismatch,
  FST_ERR_CTP_EMPTY_JSON_BODY: Errors.emptyJson,
  FST_ERR_CTP_INVALID_JSON_BODY: Errors.invalidJson,
  FST_ERR_BAD_URL: Errors.malformedUrl,
  FST_ERR_ASYNC_CONSTRAINT: Errors.malformedRequest,
  // @fastify/under-pressure's own error, should a check ever bypass our pressureHandler.
  FST_UNDER_PRESSURE: Errors.overloaded
}

/** Ajv's first complaint, naming the parameter or property (a made-up property quoted). */
function validationError (fe: FastifyError): AppError {
  const where = fe.validationContext ?? 'request'
  const first = fe.validation?.[0]
  const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
  const extra = first?.params as { additionalProperty?: string, missingProperty?: string } | undefined
  const name = extra?.additionalProperty ?? extra?.missingProperty ?? path
  const detail = extra?.additionalProperty !== undefined ? 'is not allowed' : extra?.missingProperty !== undefined ? 'is required' : (first?.message ?? 'is invalid')
  const shown = extra?.additionalProperty !== undefined ? ` property ${JSON.stringify(name)}` : name === '' ? '' : `.${name}`
  return Errors.invalidInput(`${where}${shown} ${detail}`)
}

export function toAppError (err: FastifyError | Error): AppError {
  if (err instanceof AppError) return err
  if (err instanceof StoreError) return Errors.storeUnavailable(err)
  const fe = err as FastifyError
  if (fe.validation !== undefined) return validationError(fe)
  const known = fe.code === undefined ? undefined : FRAMEWORK_ERRORS[fe.code]
  if (known !== undefined) return known()
  if (err instanceof SyntaxError && fe.statusCode === 400) return Errors.invalidJson()
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) return Errors.malformedRequest()
  return Errors.internal(err)
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

export default fp(async function errorHandler (app: FastifyInstance) {
  app.decorateRequest('tiktokLogId', undefined)
  app.setErrorHandler((err: FastifyError, request, reply) => sendError(err, request, reply))
  app.setNotFoundHandler((request, reply) => {
    sendError(Errors.noSuchRoute(request.method, request.url.split('?')[0] ?? ''), request, reply)
  })
}, { name: 'error-handler' })

declare module 'fastify' {
  interface FastifyRequest {
    /** TikTok's log_id of the upstream call this request made, for the request log line. */
    tiktokLogId: string | undefined
  }
}
