import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { RFC7636_CHALLENGE } from '../../tiktok/pkce.js'
import { errorResponses } from '../../schemas.js'

const LoginQuery = Type.Object({
  redirect_uri: Type.String({ minLength: 1, maxLength: 2048, description: 'The app\'s redirect URI: exactly one of APP_REDIRECT_URIS.' }),
  scope: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Comma-separated TikTok scopes (default TIKTOK_SCOPES). See GET /scopes.' })),
  code_challenge: Type.String({ pattern: RFC7636_CHALLENGE.source, description: 'The app\'s PKCE challenge, RFC 7636 S256: BASE64URL(SHA-256(code_verifier)).' }),
  code_challenge_method: Type.Optional(Type.Literal('S256')),
  state: Type.Optional(Type.String({ maxLength: 1024, description: 'The app\'s opaque value, echoed back on its redirect URI.' }))
}, { additionalProperties: false })

// TikTok appends its own parameters (`scopes`, sometimes `errCode`/`error_code`): tolerated.
const CallbackQuery = Type.Object({
  state: Type.Optional(Type.String({ maxLength: 1024 })),
  code: Type.Optional(Type.String({ maxLength: 2048 })),
  scopes: Type.Optional(Type.String({ maxLength: 1024 })),
  error: Type.Optional(Type.String({ maxLength: 256 })),
  error_description: Type.Optional(Type.String({ maxLength: 1024 }))
}, { additionalProperties: true })

const Redirect = (description: string) => Type.Null({ description })

const loginRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/auth/tiktok/login', {
    config: { rateLimit: app.rateLimits.auth },
    schema: {
      tags: ['login'],
      operationId: 'startLogin',
      security: [],
      summary: 'Start a TikTok login in the browser',
      description: 'Answers 302 to TikTok\'s authorize page, with this service\'s own single-use state (10 minutes) and PKCE towards TikTok. An app redirect URI that is not allow-listed gets a 400 and no redirect.',
      querystring: LoginQuery,
      response: { 302: Redirect('To TikTok\'s authorize page (Location header).'), ...errorResponses('invalid_params', 'rate_limit_exceeded', 'service_unavailable') }
    }
  }, async (request, reply) => {
    const location = await app.services.login.start(request.query)
    return reply.header('cache-control', 'no-store').redirect(location, 302)
  })

  app.get('/auth/tiktok/callback', {
    config: { rateLimit: app.rateLimits.auth },
    schema: {
      tags: ['login'],
      operationId: 'loginCallback',
      security: [],
      summary: 'TikTok\'s redirect back (not called by apps)',
      description: 'Exchanges TikTok\'s code and answers 302 to the app\'s redirect URI with `code` (a one-time handoff code, 60 seconds) and the app\'s `state`; or with `error` and `error_description` when the user declined or TikTok reported an error. An unknown, expired, replayed or missing state gets a 400 and no redirect.',
      querystring: CallbackQuery,
      response: { 302: Redirect('To the app\'s redirect URI (Location header).'), ...errorResponses('invalid_params', 'rate_limit_exceeded', 'service_unavailable') }
    }
  }, async (request, reply) => {
    const { location } = await app.services.login.callback(request.query, request.log)
    return reply.header('cache-control', 'no-store').redirect(location, 302)
  })
}

export default loginRoutes
