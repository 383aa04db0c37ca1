import { createHash } from 'node:crypto'

const HOUR_MS = 3_600_000
const LIFETIME_HOURS = 6

/**
 * TikTok's avatar and cover URLs are CDN links signed to expire within hours (covers: 6 hours,
 * https://developers.tiktok.com/doc/tiktok-api-v2-video-object). These point at the emulator
 * itself, so a demo page works offline, with a lookalike `x-expires` and `x-signature` that stay
 * the same within an hour. The emulator does not check them when serving the image.
 */
export function signedUrl (baseUrl: string, path: string, params: ReadonlyArray<readonly [string, string]> = []): string {
  const expires = (Math.floor(Date.now() / HOUR_MS) + LIFETIME_HOURS) * 3600
  const query = params.map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
  const signature = createHash('sha256').update(`${path}?${query.join('&')}:${expires}`).digest('base64url').slice(0, 27)
  query.push(`x-expires=${expires}`, `x-signature=${encodeURIComponent(signature + '=')}`)
  return `${baseUrl}${path}?${query.join('&')}`
}
