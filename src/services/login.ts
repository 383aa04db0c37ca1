import { timingSafeEqual } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { digest, newSecret } from '../session/keys.js'
import type { SessionStore } from '../session/store.js'
import type { TokenCipher } from '../session/crypto.js'
import type { TikTokClient, TokenSet } from '../tiktok/client.js'
import type { AuthorizeUrl } from '../tiktok/authorize.js'
import { TikTokOAuthError } from '../tiktok/errors.js'
import { hexChallenge, newVerifier, rfc7636Challenge } from '../tiktok/pkce.js'
import { Errors } from '../errors.js'
import { isScope } from '../scopes/catalogue.js'
import type { IssuedSession, SessionService } from './sessions.js'

// The login flows: the browser redirect flow (login → TikTok → callback →
// handoff code → POST /auth/session) and the native-SDK code exchange. Pending logins and
// handoff codes are stored under the digest of their secret, sealed, and read once.

const STATE_TTL_MS = 10 * 60_000
const HANDOFF_TTL_MS = 60_000

interface PendingLogin { redirectUri: string, appState?: string, appChallenge: string, verifier: string }
interface Handoff { appChallenge: string, tokens: TokenSet }

export interface LoginDeps {
  store: SessionStore
  cipher: TokenCipher
  tiktok: TikTokClient
  sessions: SessionService
  authorizeUrl: AuthorizeUrl
  callbackUrl: string
  appRedirectUris: readonly string[]
  defaultScopes: readonly string[]
}

export type CallbackResult = { location: string }

export function safeEqual (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function withParams (uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri)
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v)
  return url.toString()
}

export function createLoginService (deps: LoginDeps) {
  const { store, cipher, tiktok, sessions } = deps

  function allowedRedirect (uri: string): string {
    // Exact comparison against the allow-list (RFC 9700 §4.1.3): no prefix, no normalisation.
    if (!deps.appRedirectUris.includes(uri)) throw Errors.redirectNotAllowed()
    return uri
  }

  function scopesOf (param: string | undefined): string[] {
    if (param === undefined) return [...deps.defaultScopes]
    const scopes = [...new Set(param.split(',').map((s) => s.trim()))]
    const unknown = scopes.filter((s) => !isScope(s))
    if (unknown.length > 0) throw Errors.unknownScopes(unknown.map((s) => JSON.stringify(s.slice(0, 64))).join(', '))
    return scopes
  }

  function exchangeRefusal (err: unknown): never {
    if (err instanceof TikTokOAuthError) {
      if (err.error === 'invalid_client' || err.error === 'unauthorized_client' || err.error === 'server_error' || err.error === 'temporarily_unavailable') {
        throw Errors.upstreamRefused('token', err.error, { tiktokLogId: err.logId })
      }
      throw Errors.codeRefused(err.error, { tiktokLogId: err.logId })
    }
    throw err
  }

  return {
    async start (q: { redirect_uri: string, scope?: string, code_challenge: string, state?: string }): Promise<string> {
      const redirectUri = allowedRedirect(q.redirect_uri)
      const scope = scopesOf(q.scope)
      const state = newSecret()
      const verifier = newVerifier()
      const hash = digest(state)
      const pending: PendingLogin = { redirectUri, appState: q.state, appChallenge: q.code_challenge, verifier: cipher.seal(verifier, `state:${hash}`) }
      await store.putOnce('state', hash, JSON.stringify(pending), STATE_TTL_MS)
      return deps.authorizeUrl({ redirectUri: deps.callbackUrl, scopes: scope, state, codeChallenge: hexChallenge(verifier) })
    },

    async callback (q: { state?: string, code?: string, error?: string, error_description?: string }, log: FastifyBaseLogger): Promise<CallbackResult> {
      if (q.state === undefined || q.state === '') throw Errors.stateMissing()
      const hash = digest(q.state)
      const raw = await store.takeOnce('state', hash)
      if (raw === null) throw Errors.stateUnknown()
      const pending = JSON.parse(raw) as PendingLogin
      // Checked again on the way back: the allow-list may have changed since the login began.
      allowedRedirect(pending.redirectUri)
      const back = (params: Record<string, string | undefined>): CallbackResult =>
        ({ location: withParams(pending.redirectUri, { ...params, state: pending.appState }) })

      if (q.error !== undefined || q.code === undefined || q.code === '') {
        return back({ error: q.error ?? 'invalid_request', error_description: q.error_description ?? 'TikTok returned neither a code nor an error.' })
      }
      let tokens: TokenSet
      try {
        const verifier = cipher.open(pending.verifier, `state:${hash}`).plain
        tokens = await tiktok.exchangeCode({ code: q.code, redirectUri: deps.callbackUrl, codeVerifier: verifier })
      } catch (err) {
        // The user is in a browser on the way back to the app: tell the app, not the browser.
        log.warn({ err, tiktok_log_id: (err as { logId?: string }).logId }, 'TikTok code exchange failed at the callback')
        if (err instanceof TikTokOAuthError) return back({ error: err.error, error_description: err.description })
        return back({ error: 'temporarily_unavailable', error_description: 'TikTok could not complete the login; try again.' })
      }
      const code = newSecret()
      const codeHash = digest(code)
      const handoff = { appChallenge: pending.appChallenge, tokens: cipher.seal(JSON.stringify(tokens), `handoff:${codeHash}`) }
      await store.putOnce('handoff', codeHash, JSON.stringify(handoff), HANDOFF_TTL_MS)
      return back({ code })
    },

    /** POST /auth/session: the handoff code works once, and only with the app's verifier. */
    async redeem (body: { code: string, code_verifier: string }): Promise<IssuedSession> {
      const codeHash = digest(body.code)
      const raw = await store.takeOnce('handoff', codeHash)
      if (raw === null) throw Errors.handoffUnknown()
      const sealed = JSON.parse(raw) as { appChallenge: string, tokens: string }
      if (!safeEqual(rfc7636Challenge(body.code_verifier), sealed.appChallenge)) {
        throw Errors.verifierMismatch()
      }
      const handoff: Handoff = { appChallenge: sealed.appChallenge, tokens: JSON.parse(cipher.open(sealed.tokens, `handoff:${codeHash}`).plain) as TokenSet }
      return await sessions.create(handoff.tokens)
    },

    /** POST /auth/tiktok/exchange: a code from TikTok's native Login Kit. */
    async exchange (body: { code: string, code_verifier: string, redirect_uri: string }): Promise<IssuedSession> {
      const redirectUri = allowedRedirect(body.redirect_uri)
      const tokens = await tiktok.exchangeCode({ code: body.code, redirectUri, codeVerifier: body.code_verifier }).catch(exchangeRefusal)
      return await sessions.create(tokens)
    }
  }
}

export type LoginService = ReturnType<typeof createLoginService>
