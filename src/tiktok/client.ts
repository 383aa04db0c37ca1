import { EventEmitter } from 'node:events'
import { Pool, errors, type Dispatcher } from 'undici'
import { AppError, Errors } from '../errors.js'
import { checkOAuthError, checkToken, checkUserInfo, checkVideoPage } from './schemas.js'
import { TikTokApiError, TikTokOAuthError, retryAfterSeconds, transportError, type TikTokEndpoint } from './errors.js'

// The one way this service talks to TikTok: undici with one keep-alive pool per origin, a total
// time budget per call (TIKTOK_TIMEOUT_MS, connect to last body byte), and every answer checked
// before use. Why not @fastify/oauth2's client for the code exchange: see README "Design notes".

export interface TokenSet {
  accessToken: string
  refreshToken: string
  /** Seconds, as TikTok gave them: its pages disagree on lifetimes, so none is assumed (docs/tiktok.md). */
  expiresIn: number
  refreshExpiresIn: number
  openId: string
  scopes: string[]
  logId: string | undefined
}

export interface UserInfo { user: Record<string, unknown>, logId: string | undefined }

/** One page of the user's videos, as TikTok answered it (a short page may still have more). */
export interface VideoPage {
  videos: Array<Record<string, unknown>>
  cursor: number | undefined
  hasMore: boolean
  logId: string | undefined
}

export type CallOutcome = 'ok' | 'refused' | 'rate_limited' | 'error' | 'timeout'

export interface TikTokClientOptions {
  apiBaseUrl: string
  clientKey: string
  clientSecret: string
  timeoutMs: number
  /** Called once per upstream call: metrics hook. */
  onCall?: (endpoint: TikTokEndpoint, outcome: CallOutcome, seconds: number) => void
}

export interface TikTokClient {
  exchangeCode (p: { code: string, redirectUri: string, codeVerifier: string }): Promise<TokenSet>
  refresh (refreshToken: string): Promise<TokenSet>
  revoke (accessToken: string): Promise<void>
  userInfo (accessToken: string, fields: readonly string[]): Promise<UserInfo>
  /** The user's videos, newest first, before `cursor` (UTC ms) when given. */
  videoList (accessToken: string, fields: readonly string[], page: { cursor?: number | undefined, maxCount: number }): Promise<VideoPage>
  /** The user's videos among `ids`. */
  videoQuery (accessToken: string, fields: readonly string[], ids: readonly string[]): Promise<VideoPage>
  close (): Promise<void>
}

interface RawAnswer { status: number, headers: Record<string, string | string[] | undefined>, json: unknown }

// TikTok's log_id is passed on in the x-tiktok-log-id header and logged: one that could not be
// a header value (CR/LF, NUL, non-ASCII: header injection, or Node refusing the answer with a
// 500) or that is absurdly long is dropped. Any other non-empty string is tolerated (docs/tiktok.md).
export function safeLogId (v: unknown): string | undefined {
  return typeof v === 'string' && /^[\x21-\x7e]{1,128}$/.test(v) ? v : undefined
}

function headerLogId (headers: RawAnswer['headers']): string | undefined {
  const v = headers['x-tt-logid']
  return safeLogId(Array.isArray(v) ? v[0] : v)
}

function outcomeOf (err: unknown): CallOutcome {
  if (err instanceof TikTokOAuthError) return 'refused'
  if (err instanceof TikTokApiError) return err.code === 'rate_limit_exceeded' ? 'rate_limited' : 'refused'
  if (err instanceof AppError && err.code === 'rate_limit_exceeded') return 'rate_limited'
  return err instanceof AppError && err.code === 'upstream_timeout' ? 'timeout' : 'error'
}

// Kept, hand-written: AbortSignal.timeout per call costs 1.20-1.26x the CPU per /me request (bench:ab 1.249, 1.202; swapped 0.793: A=<this dist> B=<AbortSignal.timeout dist> npm run bench:ab).
/**
 * Total time budgets for upstream calls. A budget is an abort emitter (undici takes an
 * EventEmitter as a request's signal) that fires when the budget is spent. Calls that start
 * within the same slot (a twentieth of the budget, at most 50 ms) share one emitter and one
 * timer, set for the last of them: a call is aborted at its budget or at most one slot later,
 * never earlier, and no call pays for a timer and an emitter of its own (/me's CPU profile).
 */
export function createBudgets (budgetMs: number): () => EventEmitter {
  const slotMs = Math.max(1, Math.min(50, Math.floor(budgetMs / 20)))
  let emitter = new EventEmitter()
  let slotEnds = -Infinity
  return () => {
    // The monotonic clock, as the timer's: a wall-clock step never lengthens a slot.
    const now = performance.now()
    if (now >= slotEnds) {
      const slot = new EventEmitter()
      slot.setMaxListeners(0) // one listener per call in flight
      slotEnds = now + slotMs
      // Unref'd: in-flight calls keep the process alive by their sockets, not by this timer.
      setTimeout(() => slot.emit('abort'), slotMs + budgetMs).unref()
      emitter = slot
    }
    return emitter
  }
}

/** The most of an answer this service reads: TikTok's are a few KiB (a page of 20 videos, some tens). */
export const MAX_ANSWER_BYTES = 1024 * 1024

/**
 * The body as text, up to MAX_ANSWER_BYTES: a larger one is a 502, refused by its
 * Content-Length before any of it is read, or by undici as it streams (the pool's
 * maxResponseSize). Either way the connection is destroyed, not kept.
 */
async function readBounded (res: Dispatcher.ResponseData, logId: string | undefined): Promise<string> {
  const length = Number(res.headers['content-length'])
  if (Number.isFinite(length) && length > MAX_ANSWER_BYTES) {
    res.body.destroy()
    throw Errors.upstreamTooLarge({ tiktokLogId: logId })
  }
  try {
    return await res.body.text()
  } catch (err) {
    if (err instanceof errors.ResponseExceededMaxSizeError) throw Errors.upstreamTooLarge({ tiktokLogId: logId })
    throw err
  }
}

export function createTikTokClient (opts: TikTokClientOptions): TikTokClient {
  // Every TikTok API endpoint lives on one origin: one keep-alive pool.
  const api = new URL(opts.apiBaseUrl)
  const pool = new Pool(api.origin, { keepAliveTimeout: 30_000, connections: 128, pipelining: 1, maxResponseSize: MAX_ANSWER_BYTES })
  const prefix = api.pathname.replace(/\/+$/, '')
  const onCall = opts.onCall ?? (() => {})
  const budget = createBudgets(opts.timeoutMs)

  async function call<T> (endpoint: TikTokEndpoint, path: string, init: { method: 'GET' | 'POST', headers: Record<string, string>, body?: string }, parse: (res: RawAnswer) => T): Promise<T> {
    const started = performance.now()
    try {
      // The total budget covers headers and body. One object shape for every call.
      const res = await pool.request({ method: init.method, path: prefix + path, headers: init.headers, body: init.body, signal: budget() })
      const logId = headerLogId(res.headers)
      const text = await readBounded(res, logId)
      // Before parsing: a 429 is TikTok's limit whatever its body (it may not be JSON).
      if (res.statusCode === 429) {
        throw Errors.tiktokRateLimited(retryAfterSeconds(res.headers), { tiktokLogId: logId })
      }
      let json: unknown
      try {
        json = text === '' ? {} : JSON.parse(text)
      } catch {
        throw Errors.upstreamNotJson(res.statusCode, { tiktokLogId: logId })
      }
      if (res.statusCode >= 500) throw Errors.upstreamStatus(res.statusCode, { tiktokLogId: logId })
      const value = parse({ status: res.statusCode, headers: res.headers, json })
      onCall(endpoint, 'ok', (performance.now() - started) / 1000)
      return value
    } catch (err) {
      const mapped = err instanceof TikTokOAuthError || err instanceof TikTokApiError ? err : transportError(err)
      onCall(endpoint, outcomeOf(mapped), (performance.now() - started) / 1000)
      throw mapped
    }
  }

  // Token endpoint: success is `access_token` present and no `error`, whatever the status
  // (TikTok has answered errors with HTTP 200: https://developers.tiktok.com/doc/oauth-error-handling).
  async function token (form: Record<string, string>): Promise<TokenSet> {
    const body = new URLSearchParams({ client_key: opts.clientKey, client_secret: opts.clientSecret, ...form }).toString()
    return await call('token', '/v2/oauth/token/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cache-control': 'no-cache' },
      body
    }, parseToken)
  }

  function parseToken (res: RawAnswer): TokenSet {
    const logId = headerLogId(res.headers)
    if (checkOAuthError.Check(res.json)) {
      throw new TikTokOAuthError(res.json.error, res.json.error_description ?? '', safeLogId(res.json.log_id) ?? logId)
    }
    if (!checkToken.Check(res.json)) throw Errors.upstreamUnexpected('token', res.status, { tiktokLogId: logId })
    const t = res.json
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresIn: t.expires_in,
      refreshExpiresIn: t.refresh_expires_in,
      openId: t.open_id,
      scopes: t.scope.split(',').map((s) => s.trim()).filter((s) => s !== ''),
      logId
    }
  }

  return {
    exchangeCode: ({ code, redirectUri, codeVerifier }) =>
      token({ code, grant_type: 'authorization_code', redirect_uri: redirectUri, code_verifier: codeVerifier }),
    refresh: (refreshToken) => token({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    async revoke (accessToken) {
      const body = new URLSearchParams({ client_key: opts.clientKey, client_secret: opts.clientSecret, token: accessToken }).toString()
      await call('revoke', '/v2/oauth/revoke/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }, (res) => {
        if (checkOAuthError.Check(res.json)) throw new TikTokOAuthError(res.json.error, res.json.error_description ?? '', safeLogId(res.json.log_id))
      })
    },
    userInfo: (accessToken, fields) =>
      // Literal commas: TikTok documents `fields=a,b` (https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info).
      call('user_info', `/v2/user/info/?fields=${fields.join(',')}`, {
        method: 'GET',
        headers: { authorization: `Bearer ${accessToken}` }
      }, parseUserInfo),
    videoList: (accessToken, fields, page) =>
      call('video_list', `/v2/video/list/?fields=${fields.join(',')}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(page.cursor === undefined ? { max_count: page.maxCount } : { cursor: page.cursor, max_count: page.maxCount })
      }, parseVideoPage),
    videoQuery: (accessToken, fields, ids) =>
      call('video_query', `/v2/video/query/?fields=${fields.join(',')}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ filters: { video_ids: ids } })
      }, parseVideoPage),
    close: () => pool.close()
  }
}

function parseVideoPage (res: RawAnswer): VideoPage {
  const headerId = headerLogId(res.headers)
  if (!checkVideoPage.Check(res.json)) throw Errors.upstreamUnexpected('video', res.status, { tiktokLogId: headerId })
  const logId = safeLogId(res.json.error.log_id) ?? headerId
  if (res.json.error.code !== 'ok') throw new TikTokApiError(res.json.error.code, logId)
  const data = res.json.data
  if (data === undefined || data === null || res.status !== 200) throw Errors.upstreamUnexpected('video', res.status, { tiktokLogId: logId })
  return { videos: (data.videos ?? []) as Array<Record<string, unknown>>, cursor: data.cursor, hasMore: data.has_more ?? false, logId }
}

function parseUserInfo (res: RawAnswer): UserInfo {
  const headerId = headerLogId(res.headers)
  if (!checkUserInfo.Check(res.json)) throw Errors.upstreamUnexpected('user info', res.status, { tiktokLogId: headerId })
  const logId = safeLogId(res.json.error.log_id) ?? headerId
  if (res.json.error.code !== 'ok') throw new TikTokApiError(res.json.error.code, logId)
  const user = res.json.data?.user
  if (user === undefined || res.status !== 200) throw Errors.upstreamUnexpected('user info', res.status, { tiktokLogId: logId })
  return { user: user as Record<string, unknown>, logId }
}
