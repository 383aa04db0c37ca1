import type { Emulator } from '../../src/emulator/index.js'
import { APP_REDIRECT, pkcePair } from '../helper.js'

// The public API over real HTTP, for tests that run several instances (processes or in-process
// apps on loopback ports). The login is split in its steps so a test can start it on one
// instance, come back on another, redeem on a third, or stop half-way (pending logins and
// unredeemed handoff codes left in the store).

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

export async function call<D = Record<string, unknown>> (base: string, method: string, path: string, opts: { token?: string, json?: unknown, timeoutMs?: number } = {}): Promise<Answer<D>> {
  const headers: Record<string, string> = {}
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`
  if (opts.json !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(base + path, {
    method,
    headers,
    redirect: 'manual',
    body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000)
  })
  const text = await res.text()
  let body: Envelope<D> | undefined
  try { body = JSON.parse(text) as Envelope<D> } catch { body = undefined }
  return { status: res.status, headers: res.headers, text, body }
}

export const me = (base: string, token: string): Promise<Answer<{ user: Record<string, unknown> }>> => call(base, 'GET', '/me', { token })
export const logout = (base: string, token: string, allSessions = false): Promise<Answer<{ sessions_ended: number }>> =>
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

export async function begin (base: string): Promise<Begun> {
  const pkce = pkcePair()
  const q = new URLSearchParams({ redirect_uri: APP_REDIRECT, code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'app-state' })
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

/** The user approves on TikTok (the emulator), and TikTok redirects to the callback. */
export async function callback (base: string, emulator: Emulator, b: Begun, openId?: string): Promise<{ code: string, handoff: string }> {
  const code = emulator.controls.issueCode({ scopes: b.scopes, redirectUri: b.callbackUrl, codeChallenge: b.tiktokChallenge, ...(openId === undefined ? {} : { openId }) })
  const q = new URLSearchParams({ code, state: b.state, scopes: b.scopes.join(',') })
  const res = await call(base, 'GET', `/auth/tiktok/callback?${q}`)
  const location = res.headers.get('location')
  if (res.status !== 302 || location === null) throw new Error(`callback answered ${res.status}: ${res.text}`)
  const handoff = new URL(location).searchParams.get('code')
  if (handoff === null) throw new Error(`callback redirected without a code: ${location}`)
  return { code, handoff }
}

export interface IssuedSession { token: string, open_id: string, scopes: string[], expires_at: string }

export async function redeem (base: string, handoff: string, verifier: string): Promise<IssuedSession> {
  const res = await call<{ session: IssuedSession }>(base, 'POST', '/auth/session', { json: { code: handoff, code_verifier: verifier } })
  if (res.status !== 201 || res.body === undefined) throw new Error(`session answered ${res.status}: ${res.text}`)
  return res.body.data.session
}

export interface HttpLogin {
  token: string
  session: IssuedSession
  /** Every bearer secret the login handled: state, TikTok's code, the handoff code, the app verifier. */
  secrets: string[]
}

/** A whole browser login; a tuple of bases spreads its three steps (start, callback, redeem) over instances. */
export async function loginOver (base: string | [string, string, string], emulator: Emulator, openId?: string): Promise<HttpLogin> {
  const [a, b, c] = typeof base === 'string' ? [base, base, base] : base
  const begun = await begin(a)
  const { code, handoff } = await callback(b, emulator, begun, openId)
  const session = await redeem(c, handoff, begun.verifier)
  return { token: session.token, session, secrets: [begun.state, begun.verifier, code, handoff, session.token] }
}
