const WINDOW_MS = 60_000

/**
 * TikTok's rate limit: a one-minute sliding window, counted per app and set and enforced
 * separately for each endpoint (https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit).
 */
export class RateWindow {
  private calls: number[] = []

  /** Counts a call, or says when (epoch seconds) the oldest counted call leaves the window. */
  take (limit: number, now = Date.now()): { ok: true } | { ok: false, resetAt: number } {
    while (this.calls.length > 0 && (this.calls[0] as number) <= now - WINDOW_MS) this.calls.shift()
    if (this.calls.length >= limit) {
      return { ok: false, resetAt: Math.ceil(((this.calls[0] as number) + WINDOW_MS) / 1000) }
    }
    this.calls.push(now)
    return { ok: true }
  }
}
