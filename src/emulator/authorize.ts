import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { isScope } from '../scopes/catalogue.js'
import { consentPage, errorPage } from './consent-page.js'
import type { EmulatorContext } from './context.js'
import { list, readForm, single, toForm, type Form } from './form.js'
import { sendHtml } from './html.js'
import { httpUrlProblem } from './http-url.js'
import { challengeKind } from './pkce.js'
import type { ResolvedOptions } from './types.js'
import { userById } from './users.js'

// The parameters the consent form carries back, in TikTok's documented order.
const CARRIED = ['client_key', 'response_type', 'scope', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'disable_auto_auth']

interface AuthorizeRequest {
  readonly redirectUri: string
  readonly scopes: string[]
  readonly state: string | undefined
  readonly challenge: string
  readonly hidden: Array<[string, string]>
}

function redirectUriProblem (uri: string, options: ResolvedOptions): string | undefined {
  if (options.redirectUris.length > 0) {
    return options.redirectUris.includes(uri) ? undefined : 'redirect_uri is not registered for this app.'
  }
  return httpUrlProblem(uri, 'redirect_uri')
}

function challengeProblem (form: Form, options: ResolvedOptions): string | undefined {
  const challenge = single(form, 'code_challenge') ?? ''
  if (challenge === '') return 'code_challenge is required (PKCE, S256).'
  // The mobile SDKs send no method, so only a wrong one is refused.
  const method = single(form, 'code_challenge_method')
  if (method !== undefined && method !== 'S256') return 'code_challenge_method must be S256.'
  const kind = challengeKind(challenge)
  if (options.pkce === 'hex' && kind !== 'hex') return 'code_challenge must be hex(SHA-256(code_verifier)): 64 lower-case hex characters.'
  if (kind === undefined) return 'code_challenge must be the S256 challenge in hex (64 characters) or base64url (43 characters).'
  return undefined
}

/** The authorize request, or the reason to show an error page instead of redirecting. */
function parse (form: Form | undefined, options: ResolvedOptions): AuthorizeRequest | string {
  if (form === undefined) return 'The request parameters are malformed.'
  const repeated = CARRIED.find((name) => Array.isArray(form[name]))
  if (repeated !== undefined) return `${repeated} is given more than once.`
  const clientKey = single(form, 'client_key')
  if (clientKey === undefined || clientKey === '') {
    return form.client_id === undefined ? 'client_key is required.' : 'client_key is required (TikTok does not read client_id).'
  }
  if (clientKey !== options.clientKey) return 'client_key is invalid.'
  if (single(form, 'response_type') !== 'code') return 'response_type must be code.'
  const redirectUri = single(form, 'redirect_uri') ?? ''
  if (redirectUri === '') return 'redirect_uri is required.'
  const uriProblem = redirectUriProblem(redirectUri, options)
  if (uriProblem !== undefined) return uriProblem
  const scope = single(form, 'scope') ?? ''
  if (scope === '') return 'scope is required.'
  const scopes = [...new Set(scope.split(','))]
  const unknown = scopes.find((s) => !isScope(s))
  if (unknown !== undefined) return `scope "${unknown}" is unknown (scopes are comma-separated).`
  const challengeIssue = challengeProblem(form, options)
  if (challengeIssue !== undefined) return challengeIssue
  const hidden = CARRIED.flatMap((name): Array<[string, string]> => {
    const value = single(form, name)
    return value === undefined ? [] : [[name, value]]
  })
  return { redirectUri, scopes, state: single(form, 'state'), challenge: single(form, 'code_challenge') ?? '', hidden }
}

/** Appends the callback parameters; commas stay literal so `scopes` reads as TikTok sends it. */
function callback (redirectUri: string, params: Array<[string, string | undefined]>): string {
  const query = params.flatMap(([name, value]) =>
    value === undefined ? [] : [`${name}=${encodeURIComponent(value).replace(/%2C/g, ',')}`]).join('&')
  return redirectUri + (redirectUri.includes('?') ? '&' : '?') + query
}

export function authorizeRoutes (ctx: EmulatorContext): FastifyPluginAsync {
  const { options, state, controls } = ctx

  function deny (reply: FastifyReply, req: AuthorizeRequest): FastifyReply {
    return reply.redirect(callback(req.redirectUri, [
      ['error', 'access_denied'],
      ['error_description', 'The user denied the authorization request.'],
      ['state', req.state]
    ]), 302)
  }

  async function decide (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const form = readForm(request)
    const req = parse(form, options)
    if (typeof req === 'string' || form === undefined) return sendHtml(reply, 400, errorPage(typeof req === 'string' ? req : ''))
    const action = single(form, 'action')
    if (action === 'deny') return deny(reply, req)
    if (action !== 'approve') return sendHtml(reply, 400, errorPage('Choose Approve or Deny.'))
    const user = userById(single(form, 'user') ?? '')
    if (user === undefined) return sendHtml(reply, 400, errorPage('Choose a user to sign in as.'))
    // Partial consent: only the ticked scopes among those requested are granted.
    const ticked = list(form, 'scopes')
    const granted = req.scopes.filter((s) => ticked.includes(s))
    if (granted.length === 0) return deny(reply, req)
    const code = state.issueCode({
      clientKey: options.clientKey,
      redirectUri: req.redirectUri,
      challenge: req.challenge,
      openId: user.open_id,
      scopes: granted
    })
    return reply.redirect(callback(req.redirectUri, [['code', code], ['scopes', granted.join(',')], ['state', req.state]]), 302)
  }

  return async (app) => {
    app.addHook('onRequest', controls.faultHook('authorize'))
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if ((err.statusCode ?? 500) >= 500) request.log.error({ err }, 'emulator failure')
      return sendHtml(reply, err.statusCode ?? 500, errorPage('The request could not be read.'))
    })

    app.get('/v2/auth/authorize/', async (request, reply) => {
      const req = parse(toForm(request.query), options)
      if (typeof req === 'string') return sendHtml(reply, 400, errorPage(req))
      return sendHtml(reply, 200, consentPage({
        hidden: req.hidden,
        clientKey: options.clientKey,
        scopes: req.scopes,
        action: request.url.split('?')[0] ?? '/v2/auth/authorize/'
      }))
    })
    app.post('/v2/auth/authorize/', decide)
  }
}
