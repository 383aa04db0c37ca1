import { createHmac } from 'node:crypto'

// TikTok's webhooks (https://developers.tiktok.com/doc/webhooks-overview,
// https://developers.tiktok.com/doc/webhooks-verification): a JSON POST to the app's callback
// URL, signed with the app's client secret.

const TIMEOUT_MS = 5000

export interface WebhookEvent {
  /** e.g. `authorization.removed` (https://developers.tiktok.com/doc/webhooks-events). */
  event: string
  openId: string
  /** TikTok sends `content` as a JSON *string*, e.g. `{"reason":1}`. Default `{}`. */
  content?: string
  /** Unix seconds, for both `create_time` and the signature's `t`; default now. Lets tests send stale events. */
  timestamp?: number
}

/** What became of one delivery: the receiver's HTTP status, or why there was none. */
export type WebhookDelivery = { delivered: true, status: number } | { delivered: false, error: string }

/** `t=<unix s>,s=<hex HMAC-SHA256(client_secret, t + "." + raw body)>`. */
export function signatureHeader (clientSecret: string, timestamp: number, rawBody: string): string {
  const s = createHmac('sha256', clientSecret).update(`${timestamp}.${rawBody}`).digest('hex')
  return `t=${timestamp},s=${s}`
}

function reason (err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS} ms`
  const cause = err instanceof Error ? err.cause : undefined
  if (cause instanceof Error) return 'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message
  return err instanceof Error ? err.message : String(err)
}

/**
 * One delivery attempt, no retries (TikTok retries for 72 hours; a test wants one answer).
 * Redirects are not followed: the callback URL is registered exactly.
 */
export async function deliverWebhook (
  url: string | undefined, client: { key: string, secret: string }, e: WebhookEvent
): Promise<WebhookDelivery> {
  if (url === undefined) return { delivered: false, error: 'no webhook URL is set (webhookUrl, EMULATOR_WEBHOOK_URL)' }
  const timestamp = e.timestamp ?? Math.floor(Date.now() / 1000)
  // TikTok's key order: client_key, event, create_time, user_openid, content.
  const body = JSON.stringify({ client_key: client.key, event: e.event, create_time: timestamp, user_openid: e.openId, content: e.content ?? '{}' })
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'tiktok-signature': signatureHeader(client.secret, timestamp, body) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS)
    })
    await res.body?.cancel()
    return { delivered: true, status: res.status }
  } catch (err) {
    return { delivered: false, error: `delivery to ${url} failed: ${reason(err)}` }
  }
}
