import type { FastifyInstance, InjectOptions } from 'fastify'
import type { IssueCodeParams } from '../../src/emulator/index.js'
import { APP_REDIRECT } from './env.js'
import { pkcePair } from './pkce.js'

// The public API as a caller uses it, over real HTTP (a base URL) or through app.inject (an app
// in this process): the same requests and the same answers either way. The login is split in
// its steps so a test can start it on one instance, come back on another, redeem on a third,
// or stop half-way (pending logins and unredeemed handoff codes left in the store).

/** Where requests go: a base URL (global fetch), a base URL with a fetch of the test's own, or an app. */
export type Target = string | { url: string, fetch: typeof globalThis.fetch } | Pick<FastifyInstance, 'inject'>

/** TikTok's side of the consent: the emulator in this process, or one reached over its HTTP controls. */
export interface Consent { controls: { issueCode (p: IssueCodeParams): string | Promise<string> } }

export interface Envelope<D = Record<string, unknown>> {
  data: D
  error: { code: string, message: string, log_id: string }
}

export interface Answer<D = Record<string, unknown>> {
  status: number
  headers: Headers
  text: string
  body: Envelope<D> | undefined
}

async function send (target: Target, method: string, path: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<{ status: number, headers: Headers, text: string }> {
  if (typeof target === 'object' && 'inject' in target) {
    const res = await target.inject({ method: method as InjectOptions['method'], url: path, headers, ...(body === undefined ? {} : { payload: body }) })
    const h = new Headers()
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : String(v))
    return { status: res.statusCode, headers: h, text: res.body }
  }
  const [base, fetch] = typeof target === 'string' ? [target, globalThis.fetch] : [target.url, target.fetch]
  const res = await fetch(base + path, { method, headers, redirect: 'manual', body, signal: AbortSignal.timeout(timeoutMs) })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

/** The Authorization header of a bearer token. */
export const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

export async function call<D = Record<string, unknown>> (target: Target, method: string, path: string, opts: { token?: string, json?: unknown, timeoutMs?: number } = {}): Promise<Answer<D>> {
  const headers: Record<string, string> = opts.token === undefined ? {} : auth(opts.token)
  if (opts.json !== undefined) headers['content-type'] = 'application/json'
  const res = await send(target, method, path, headers, opts.json === undefined ? undefined : JSON.stringify(opts.json), opts.timeoutMs ?? 30_000)
  let body: Envelope<D> | undefined
  try { body = JSON.parse(res.text) as Envelope<D> } catch { body = undefined }
  return { ...res, body }
}

export const me = (base: Target, token: string): Promise<Answer<{ user: Record<string, unknown> }>> => call(base, 'GET', '/me', { token })
export const logout = (base: Target, token: string, allSessions = false): Promise<Answer<{ sessions_ended: number }>> =>
  call(base, 'POST', '/auth/logout', { token, ...(allSessions ? { json: { all_sessions: true } } : {}) })

export interface Begun {
  /** The service's own state towards TikTok (a bearer secret while the login is pending). */
  state: string
  verifier: string
  challenge: string
  /** TikTok's hex challenge and the callback the service registered. */
  tiktokChallenge: string
  callbackUrl: string
  scopes: string[]
}

/** GET /auth/tiktok/login as an app starts it: back to `redirectUri`, asking for `appScope` if given. */
export async function begin (base: Target, opts: { redirectUri?: string, appScope?: string } = {}): Promise<Begun> {
  const pkce = pkcePair()
  const q = new URLSearchParams({ redirect_uri: opts.redirectUri ?? APP_REDIRECT, code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'app-state' })
  if (opts.appScope !== undefined) q.set('scope', opts.appScope)
  const res = await call(base, 'GET', `/auth/tiktok/login?${q}`)
  const location = res.headers.get('location')
  if (res.status !== 302 || location === null) throw new Error(`login answered ${res.status}: ${res.text}`)
  const authorize = new URL(location)
  return {
    state: authorize.searchParams.get('state') ?? '',
    verifier: pkce.verifier,
    challenge: pkce.challenge,
    tiktokChallenge: authorize.searchParams.get('code_challenge') ?? '',
    callbackUrl: authorize.searchParams.get('redirect_uri') ?? '',
    scopes: (authorize.searchParams.get('scope') ?? '').split(',')
  }
}

/** The user approves `scopes` (default: all asked for) on TikTok, and TikTok redirects to the callback. */
export async function callback (base: Target, tiktok: Consent, b: Begun, openId?: string, scopes = b.scopes): Promise<{ code: string, handoff: string }> {
  const code = await tiktok.controls.issueCode({ scopes, redirectUri: b.callbackUrl, codeChallenge: b.tiktokChallenge, ...(openId === undefined ? {} : { openId }) })
  const q = new URLSearchParams({ code, state: b.state, scopes: scopes.join(',') })
  const res = await call(base, 'GET', `/auth/tiktok/callback?${q}`)
  const location = res.headers.get('location')
  if (res.status !== 302 || location === null) throw new Error(`callback answered ${res.status}: ${res.text}`)
  const handoff = new URL(location).searchParams.get('code')
  if (handoff === null) throw new Error(`callback redirected without a code: ${location}`)
  return { code, handoff }
}

export interface IssuedSession { token: string, open_id: string, scopes: string[], expires_at: string, token_type: string }

export async function redeem (base: Target, handoff: string, verifier: string): Promise<IssuedSession> {
  const res = await call<{ session: IssuedSession }>(base, 'POST', '/auth/session', { json: { code: handoff, code_verifier: verifier } })
  if (res.status !== 201 || res.body === undefined) throw new Error(`session answered ${res.status}: ${res.text}`)
  return res.body.data.session
}

export interface LoginOptions {
  /** The TikTok user who consents (default: the emulator's first sample user). */
  openId?: string
  /** What the user grants (default: every scope asked for). */
  scopes?: string[]
  /** The app's `scope` parameter on the login. */
  appScope?: string
  /** The app's redirect URI (default: APP_REDIRECT). */
  redirectUri?: string
}

export interface LoggedIn {
  token: string
  session: IssuedSession
  /** Every bearer secret the login handled: state, TikTok's code, the handoff code, the app verifier. */
  secrets: string[]
}

/**
 * A whole browser login: start, TikTok's consent, callback, redeem. A tuple of targets spreads
 * the three requests over instances; a string as `opts` is the consenting user's open_id.
 */
export async function loginOver (base: Target | [Target, Target, Target], tiktok: Consent, opts: string | LoginOptions = {}): Promise<LoggedIn> {
  const [a, b, c] = Array.isArray(base) ? base : [base, base, base]
  const o = typeof opts === 'string' ? { openId: opts } : opts
  const begun = await begin(a, o)
  const { code, handoff } = await callback(b, tiktok, begun, o.openId, o.scopes)
  const session = await redeem(c, handoff, begun.verifier)
  return { token: session.token, session, secrets: [begun.state, begun.verifier, code, handoff, session.token] }
}
