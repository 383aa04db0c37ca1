import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { EmulatorContext } from './context.js'
import { readForm, single, type Form } from './form.js'
import { clientMatches, MALFORMED, oauthErrorHandler, sendOAuthError } from './oauth-errors.js'
import { verifierMatches } from './pkce.js'
import type { IssuedTokens } from './state.js'

export function tokenRoutes (ctx: EmulatorContext): FastifyPluginAsync {
  const { options, state, controls } = ctx

  function success (reply: FastifyReply, openId: string, scopes: readonly string[], t: IssuedTokens): FastifyReply {
    // Exactly TikTok's keys, in TikTok's order.
    return reply.header('cache-control', 'no-store').send({
      access_token: t.accessToken,
      expires_in: t.expiresIn,
      open_id: openId,
      refresh_expires_in: t.refreshExpiresIn,
      refresh_token: t.refreshToken,
      scope: scopes.join(','),
      token_type: 'Bearer'
    })
  }

  function exchangeCode (form: Form, reply: FastifyReply): FastifyReply {
    const code = single(form, 'code')
    if (code === undefined || code === '') return sendOAuthError(reply, controls, 'invalid_request', MALFORMED)
    // A replayed code also ends the grant it produced (RFC 6749 §4.1.2).
    const record = state.findCode(code, options.clientKey)
    if (record === undefined) return sendOAuthError(reply, controls, 'invalid_grant', 'Authorization code is expired.')
    if (single(form, 'redirect_uri') !== record.redirectUri) {
      return sendOAuthError(reply, controls, 'invalid_request', 'Redirect_uri is not matched with the uri when requesting code.')
    }
    const verifier = single(form, 'code_verifier')
    if (record.challenge !== undefined && (verifier === undefined || !verifierMatches(verifier, record.challenge))) {
      return sendOAuthError(reply, controls, 'invalid_request', 'Code verifier or code challenge is invalid.')
    }
    const tokens = state.exchangeCode(record)
    controls.count('token_authorization_code')
    return success(reply, record.openId, record.scopes, tokens)
  }

  function refresh (form: Form, reply: FastifyReply): FastifyReply {
    const refreshToken = single(form, 'refresh_token')
    if (refreshToken === undefined || refreshToken === '') return sendOAuthError(reply, controls, 'invalid_request', MALFORMED)
    const grant = state.findRefresh(refreshToken, options.clientKey)
    if (grant === undefined) return sendOAuthError(reply, controls, 'invalid_grant', 'Refresh token is invalid or expired.')
    const tokens = state.rotate(refreshToken, grant)
    controls.count('token_refresh')
    return success(reply, grant.openId, grant.scopes, tokens)
  }

  return async (app) => {
    app.addHook('onRequest', controls.faultHook('token'))
    app.setErrorHandler(oauthErrorHandler(controls))

    app.post('/v2/oauth/token/', async (request, reply) => {
      // TikTok reads form bodies only; a JSON body fails as malformed.
      const form = readForm(request)
      if (form === undefined) return sendOAuthError(reply, controls, 'invalid_request', MALFORMED)
      if (!clientMatches(options, single(form, 'client_key'), single(form, 'client_secret'))) {
        return sendOAuthError(reply, controls, 'invalid_client', 'Client key or secret is invalid.')
      }
      const grantType = single(form, 'grant_type')
      if (grantType === 'authorization_code') return exchangeCode(form, reply)
      if (grantType === 'refresh_token') return refresh(form, reply)
      if (grantType === undefined || grantType === '') return sendOAuthError(reply, controls, 'invalid_request', MALFORMED)
      return sendOAuthError(reply, controls, 'unsupported_grant_type', 'The grant type is not supported.')
    })
  }
}
