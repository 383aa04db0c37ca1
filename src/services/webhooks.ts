import { createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { Errors } from '../errors.js'
import { digest } from '../session/keys.js'
import type { SessionStore } from '../session/store.js'

// TikTok's webhooks (https://developers.tiktok.com/doc/webhooks-verification,
// https://developers.tiktok.com/doc/webhooks-events). A delivery is believed only when, on its
// raw body and before anything of it is used: its TikTok-Signature is an HMAC-SHA256 of
// `t + "." + body` with the client secret (compared in constant time), `t` is within the
// tolerance of now (an old delivery cannot be replayed), and it is for this app's client_key.
// TikTok delivers at least once and retries for 72 hours: a delivery already handled changes
// nothing more. `authorization.removed` (the user disconnected the app, or TikTok removed the
// account) ends every session of that user; TikTok has revoked the tokens already.

export type WebhookOutcome = 'processed' | 'ignored' | 'refused'

/** Events named in the metric; any other is counted as `other` (bounded labels). */
const KNOWN_EVENTS = new Set(['authorization.removed', 'video.upload.failed', 'video.publish.completed', 'portability.download.ready'])

/** How long a handled delivery is remembered: TikTok's 72 hours of retries, and a day more. */
const REMEMBER_MS = 96 * 3600_000

const Delivery = Type.Object({
  client_key: Type.String(),
  event: Type.String({ minLength: 1, maxLength: 128 }),
  user_openid: Type.Optional(Type.String({ maxLength: 256 }))
})
const checkDelivery = Compile(Delivery)

export interface WebhookDeps {
  store: SessionStore
  clientKey: string
  clientSecret: string
  toleranceSeconds: number
  /** Ends every session of a user, on every instance (no revoke: TikTok has done it). */
  endSessionsOf: (openId: string) => Promise<number>
  onDelivery: (event: string, outcome: WebhookOutcome) => void
}

/** `t=<unix seconds>,s=<hex>` → its parts, or undefined. */
export function parseSignature (header: string | undefined): { t: string, s: string } | undefined {
  if (header === undefined || header.length > 512) return undefined
  const parts = new Map(header.split(',').map((p) => { const i = p.indexOf('='); return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const }))
  const t = parts.get('t')
  const s = parts.get('s')
  return t !== undefined && /^\d{1,12}$/.test(t) && s !== undefined && /^[0-9a-f]{64}$/i.test(s) ? { t, s } : undefined
}

export function createWebhookService (deps: WebhookDeps) {
  const { store } = deps
  const secret = Buffer.from(deps.clientSecret)

  function verified (rawBody: string, header: string | undefined, now: number): { event: string, openId: string | undefined } {
    const signature = parseSignature(header)
    const expected = createHmac('sha256', secret).update(`${signature?.t ?? ''}.${rawBody}`).digest()
    const given = Buffer.from(signature?.s ?? '', 'hex')
    if (signature === undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) throw Errors.webhookSignature()
    if (Math.abs(now / 1000 - Number(signature.t)) > deps.toleranceSeconds) throw Errors.webhookStale()
    let body: unknown
    try { body = JSON.parse(rawBody) } catch { body = undefined }
    if (!checkDelivery.Check(body) || body.client_key !== deps.clientKey) throw Errors.webhookForeign()
    return { event: body.event, openId: body.user_openid }
  }

  return {
    /** Handles one delivery; throws a 401 for one that is not believed (and changes nothing). */
    async receive (rawBody: string, signatureHeader: string | undefined, log: FastifyBaseLogger): Promise<WebhookOutcome> {
      let delivery: { event: string, openId: string | undefined }
      try {
        delivery = verified(rawBody, signatureHeader, Date.now())
      } catch (err) {
        deps.onDelivery('unverified', 'refused')
        throw err
      }
      const event = KNOWN_EVENTS.has(delivery.event) ? delivery.event : 'other'
      const outcome = await handle(delivery, digest(rawBody))
      deps.onDelivery(event, outcome)
      log.info({ event, outcome }, 'TikTok webhook')
      return outcome
    }
  }

  async function handle (delivery: { event: string, openId: string | undefined }, id: string): Promise<WebhookOutcome> {
    if (delivery.event !== 'authorization.removed' || delivery.openId === undefined || delivery.openId === '') return 'ignored'
    // The same body again (a retry, a duplicate): handled once. The work is done before the
    // delivery is remembered, so a failure part-way is done again on TikTok's retry.
    if (await store.remembers('event', id)) return 'ignored'
    await deps.endSessionsOf(delivery.openId)
    await store.remember('event', id, REMEMBER_MS)
    return 'processed'
  }
}

export type WebhookService = ReturnType<typeof createWebhookService>
