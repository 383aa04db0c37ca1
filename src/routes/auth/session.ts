import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ok } from '../../envelope.js'
import { RFC7636_VERIFIER, SDK_VERIFIER } from '../../tiktok/pkce.js'
import { Envelope, IssuedSession, errorResponses, BODY_ERRORS } from '../../schemas.js'

const SessionBody = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 512, description: 'The handoff code from the app\'s redirect URI.' }),
  code_verifier: Type.String({ pattern: RFC7636_VERIFIER.source, description: 'The app\'s PKCE verifier (RFC 7636) for the code_challenge it sent to /auth/tiktok/login.' })
}, { additionalProperties: false })

const ExchangeBody = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 2048, description: 'The authorization code TikTok\'s Login Kit returned to the app.' }),
  code_verifier: Type.String({ pattern: SDK_VERIFIER.source, description: 'The SDK\'s PKCE verifier, passed on as it is (TikTok\'s Android SDK makes 32-character verifiers).' }),
  redirect_uri: Type.String({ minLength: 1, maxLength: 2048, description: 'The redirect URI the SDK used: exactly one of APP_REDIRECT_URIS.' })
}, { additionalProperties: false })

const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/auth/session', {
    config: { rateLimit: app.rateLimits.auth },
    schema: {
      tags: ['login'],
      operationId: 'createSession',
      security: [],
      summary: 'Redeem a handoff code for a session token',
      description: 'The handoff code works once: a wrong verifier, or a reused or expired code, is a 400 and burns the code.',
      body: SessionBody,
      response: { 201: Envelope(IssuedSession, 'A new session.'), ...BODY_ERRORS, ...errorResponses('invalid_params', 'rate_limit_exceeded', 'service_unavailable') }
    }
  }, async (request, reply) => {
    const session = await app.services.login.redeem(request.body)
    return await reply.code(201).header('cache-control', 'no-store').send(ok({ session }, request.id))
  })

  app.post('/auth/tiktok/exchange', {
    config: { rateLimit: app.rateLimits.auth },
    schema: {
      tags: ['login'],
      operationId: 'exchangeNativeCode',
      security: [],
      summary: 'Exchange a code from TikTok\'s native Login Kit',
      description: 'For iOS/Android apps that ran TikTok\'s Login Kit: exchanges the code at TikTok and answers like POST /auth/session. TikTok\'s refusal of the code is a 400.',
      body: ExchangeBody,
      response: { 201: Envelope(IssuedSession, 'A new session.'), ...BODY_ERRORS, ...errorResponses('invalid_params', 'rate_limit_exceeded', 'upstream_error', 'service_unavailable', 'upstream_timeout') }
    }
  }, async (request, reply) => {
    const session = await app.services.login.exchange(request.body)
    return await reply.code(201).header('cache-control', 'no-store').send(ok({ session }, request.id))
  })
}

export default sessionRoutes
