import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { Controls } from './controls.js'
import type { ResolvedOptions } from './types.js'

export type OAuthError = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'server_error'

export const MALFORMED = 'The request parameters are malformed.'

/** TikTok's flat OAuth error. HTTP 400 (invalid_client 401), or 200 when the controls say so, as TikTok has been seen doing. */
export function sendOAuthError (reply: FastifyReply, controls: Controls, error: OAuthError, description: string): FastifyReply {
  let status = error === 'invalid_client' ? 401 : error === 'server_error' ? 500 : 400
  if (controls.errorsAs200) status = 200
  return reply.code(status).header('cache-control', 'no-store')
    .send({ error, error_description: description, log_id: reply.request.id })
}

/** Bodies that fail to parse (malformed JSON, unknown media type, too large) get the OAuth shape too. */
export function oauthErrorHandler (controls: Controls) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const status = err.statusCode ?? 500
    if (status >= 500) {
      request.log.error({ err }, 'emulator failure')
      return sendOAuthError(reply, controls, 'server_error', 'Internal server error.')
    }
    return sendOAuthError(reply, controls, 'invalid_request', MALFORMED)
  }
}

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

export function clientMatches (options: ResolvedOptions, clientKey: string | undefined, clientSecret: string | undefined): boolean {
  if (clientKey === undefined || clientSecret === undefined) return false
  return clientKey === options.clientKey && timingSafeEqual(digest(clientSecret), digest(options.clientSecret))
}
