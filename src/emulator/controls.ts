import type { FastifyReply, FastifyRequest } from 'fastify'
import { isScope } from '../scopes/catalogue.js'
import { Faults } from './faults.js'
import { httpUrlProblem } from './http-url.js'
import { challengeKind } from './pkce.js'
import { RateWindow } from './rate-window.js'
import type { EmulatorState } from './state.js'
import type {
  EmulatorControls, EmulatorCounts, EmulatorEndpoint, ForcedAnswer, IssueCodeParams, ResolvedOptions
} from './types.js'
import { SAMPLE_USERS, userByOpenId } from './users.js'
import { deliverWebhook, type WebhookDelivery, type WebhookEvent } from './webhook.js'

const DEFAULT_RATE_LIMIT = 600

function zeroCounts (): EmulatorCounts {
  return { authorize: 0, token: 0, token_authorization_code: 0, token_refresh: 0, revoke: 0, user_info: 0, video_list: 0, video_query: 0 }
}

function check (ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`emulator controls: ${message}`)
}

export class Controls implements EmulatorControls {
  errorsAs200 = false
  private mutableCounts = zeroCounts()
  private readonly faults = new Faults()
  private rateLimit = DEFAULT_RATE_LIMIT
  private readonly windows = new Map<EmulatorEndpoint, RateWindow>()
  private webhookUrl: string | undefined

  constructor (private readonly state: EmulatorState, private readonly options: ResolvedOptions) {
    this.webhookUrl = options.webhookUrl
  }

  get counts (): Readonly<EmulatorCounts> {
    return { ...this.mutableCounts }
  }

  count (key: keyof EmulatorCounts): void {
    this.mutableCounts[key]++
  }

  resetCounts (): void {
    this.mutableCounts = zeroCounts()
  }

  setDelay (endpoint: EmulatorEndpoint, ms: number): void {
    check(Number.isFinite(ms) && ms >= 0, 'delay must be >= 0 ms')
    this.faults.setDelay(endpoint, ms)
  }

  forceNext (endpoint: EmulatorEndpoint, answer: ForcedAnswer, times = 1): void {
    check(Number.isInteger(times) && times >= 1, 'times must be a positive integer')
    check(answer.status === undefined || (Number.isInteger(answer.status) && answer.status >= 200 && answer.status <= 599),
      'status must be an integer in 200..599')
    this.faults.forceNext(endpoint, answer, times)
  }

  setAccessTokenTtl (seconds: number): void {
    check(Number.isInteger(seconds) && seconds >= 1, 'TTL must be a positive integer of seconds')
    this.state.accessTtlSeconds = seconds
  }

  setRefreshTokenTtl (seconds: number): void {
    check(Number.isInteger(seconds) && seconds >= 1, 'TTL must be a positive integer of seconds')
    this.state.refreshTtlSeconds = seconds
  }

  expireAccessTokens (): void {
    this.state.expireAccessTokens()
  }

  revokeUser (openId: string): void {
    this.state.revokeUser(openId)
  }

  setErrorsAs200 (on: boolean): void {
    this.errorsAs200 = on
  }

  setRateLimit (perMinute: number): void {
    check(Number.isInteger(perMinute) && perMinute >= 1, 'rate limit must be a positive integer')
    this.rateLimit = perMinute
  }

  issueCode (p: IssueCodeParams): string {
    const openId = p.openId ?? (SAMPLE_USERS[0] as { open_id: string }).open_id
    check(userByOpenId(openId) !== undefined, `unknown open_id ${openId}`)
    check(p.scopes.length > 0 && p.scopes.every(isScope), 'scopes must be known TikTok scopes')
    check(typeof p.redirectUri === 'string' && p.redirectUri !== '', 'redirectUri is required')
    check(p.codeChallenge === undefined || challengeKind(p.codeChallenge) !== undefined,
      'codeChallenge must be 64 lower-case hex or 43 base64url characters')
    return this.state.issueCode({
      clientKey: this.options.clientKey,
      redirectUri: p.redirectUri,
      challenge: p.codeChallenge,
      openId,
      scopes: [...new Set(p.scopes)]
    })
  }

  tokensOf (openId: string): { accessTokens: string[], refreshTokens: string[] } {
    return this.state.tokensOf(openId)
  }

  setWebhookUrl (url: string | undefined): void {
    const problem = url === undefined ? undefined : httpUrlProblem(url, 'the webhook URL')
    check(problem === undefined, problem ?? '')
    this.webhookUrl = url
  }

  async removeAccess (openId: string, reason = 1): Promise<WebhookDelivery> {
    check(userByOpenId(openId) !== undefined, `unknown open_id ${openId}`)
    // https://developers.tiktok.com/doc/webhooks-events: 0 unknown … 5 developer revoked.
    check(Number.isInteger(reason) && reason >= 0 && reason <= 5, 'reason must be an integer from 0 to 5')
    // TikTok has already revoked the user's tokens when the event arrives.
    this.state.revokeUser(openId)
    return this.sendWebhook({ event: 'authorization.removed', openId, content: JSON.stringify({ reason }) })
  }

  async sendWebhook (e: WebhookEvent): Promise<WebhookDelivery> {
    check(e.event !== '' && e.openId !== '', 'event and openId must not be empty')
    check(e.timestamp === undefined || (Number.isInteger(e.timestamp) && e.timestamp >= 0), 'timestamp must be unix seconds')
    return deliverWebhook(this.webhookUrl, { key: this.options.clientKey, secret: this.options.clientSecret }, e)
  }

  reset (): void {
    this.resetCounts()
    this.faults.clear()
    this.errorsAs200 = false
    this.rateLimit = DEFAULT_RATE_LIMIT
    this.windows.clear()
    this.webhookUrl = this.options.webhookUrl
    this.state.accessTtlSeconds = this.options.accessTokenTtlSeconds
    this.state.refreshTtlSeconds = this.options.refreshTokenTtlSeconds
  }

  /** One call against the endpoint's window; each endpoint has its own, as at TikTok. */
  takeRateSlot (endpoint: EmulatorEndpoint): { ok: true } | { ok: false, resetAt: number } {
    let window = this.windows.get(endpoint)
    if (window === undefined) this.windows.set(endpoint, window = new RateWindow())
    return window.take(this.rateLimit)
  }

  /** The onRequest hook of one endpoint: count, then the delay, then a forced answer. */
  faultHook (endpoint: EmulatorEndpoint) {
    const faults = this.faults.hook(endpoint)
    return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      this.count(endpoint)
      return faults(request, reply)
    }
  }

  /** Wakes every delayed request so that close() does not wait for them. */
  wakeSleepers (): void {
    this.faults.wakeSleepers()
  }
}
