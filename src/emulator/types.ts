import type { WebhookDelivery, WebhookEvent } from './webhook.js'

export type EmulatorEndpoint = 'authorize' | 'token' | 'revoke' | 'user_info' | 'video_list' | 'video_query'

export const ENDPOINTS: readonly EmulatorEndpoint[] = ['authorize', 'token', 'revoke', 'user_info', 'video_list', 'video_query']

export interface EmulatorOptions {
  host?: string
  port?: number
  clientKey?: string
  clientSecret?: string
  /** Empty = accept any absolute http(s) URI without a fragment; else exact match. */
  redirectUris?: string[]
  pkce?: 'either' | 'hex'
  accessTokenTtlSeconds?: number
  refreshTokenTtlSeconds?: number
  logger?: boolean
  /** Where signed webhooks go (the app's registered callback URL); none = events are not sent. */
  webhookUrl?: string
  /** Serve `/__emulator/*` to any client address, not only loopback ones. */
  publicControls?: boolean
}

export interface ResolvedOptions {
  readonly clientKey: string
  readonly clientSecret: string
  readonly redirectUris: readonly string[]
  readonly pkce: 'either' | 'hex'
  readonly accessTokenTtlSeconds: number
  readonly refreshTokenTtlSeconds: number
  readonly webhookUrl: string | undefined
  readonly publicControls: boolean
}

export interface ForcedAnswer {
  status?: number
  /** Sent as JSON. */
  body?: unknown
  /** Sent as-is, e.g. garbage or an HTML error page. */
  raw?: string
  contentType?: string
  headers?: Record<string, string>
  /** Destroy the socket without answering. */
  reset?: boolean
}

export interface EmulatorCounts {
  authorize: number
  token: number
  token_authorization_code: number
  token_refresh: number
  revoke: number
  user_info: number
  video_list: number
  video_query: number
}

export interface IssueCodeParams {
  openId?: string
  scopes: string[]
  redirectUri: string
  /** Hex or base64url S256 challenge; none = a code that needs no verifier. */
  codeChallenge?: string
}

export interface EmulatorControls {
  readonly counts: Readonly<EmulatorCounts>
  resetCounts (): void
  setDelay (endpoint: EmulatorEndpoint, ms: number): void
  forceNext (endpoint: EmulatorEndpoint, answer: ForcedAnswer, times?: number): void
  setAccessTokenTtl (seconds: number): void
  setRefreshTokenTtl (seconds: number): void
  expireAccessTokens (): void
  revokeUser (openId: string): void
  setErrorsAs200 (on: boolean): void
  setRateLimit (perMinute: number): void
  issueCode (p: IssueCodeParams): string
  tokensOf (openId: string): { accessTokens: string[], refreshTokens: string[] }
  /** Replaces the webhook URL (undefined = none) until reset(). */
  setWebhookUrl (url: string | undefined): void
  /**
   * The user removes this app in the TikTok app: every grant of theirs ends (as revokeUser), then
   * `authorization.removed` is sent with `{"reason": reason}` (default 1, disconnected in the app).
   */
  removeAccess (openId: string, reason?: number): Promise<WebhookDelivery>
  /** Sends any signed event, e.g. one TikTok might send later, or a stale one. */
  sendWebhook (event: WebhookEvent): Promise<WebhookDelivery>
  reset (): void
}
