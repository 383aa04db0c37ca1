import type { SessionRecord } from './store.js'
import type { TokenCipher } from './crypto.js'
import type { TokenSet } from '../tiktok/client.js'

// A session's record: made from TikTok's token set, with both tokens sealed to the session and
// field they belong to (a ciphertext copied into another session's record does not open there).

export const sealContext = (id: string, field: 'at' | 'rt'): string => `${id}:${field}`

export function decodeRecord (raw: string | null): SessionRecord | null {
  if (raw === null) return null
  return JSON.parse(raw) as SessionRecord
}

/** What a refresh keeps of the record it replaces. */
export type Previous = Pick<SessionRecord, 'ver' | 'exp' | 'created' | 'unionId'>

export function buildRecord (id: string, cipher: TokenCipher, t: TokenSet, now: number, prev: Previous | undefined, ttlCapSeconds: number | undefined): SessionRecord {
  // TikTok's refresh_expires_in counts down from the grant's first issue: a session ends at the
  // earlier of that and SESSION_TTL_SECONDS from its creation.
  const byTikTok = now + t.refreshExpiresIn * 1000
  const created = prev?.created ?? now
  const cap = ttlCapSeconds === undefined ? Infinity : created + ttlCapSeconds * 1000
  const exp = Math.min(byTikTok, cap, prev?.exp ?? Infinity)
  return {
    ver: (prev?.ver ?? 0) + 1,
    openId: t.openId,
    ...(prev?.unionId === undefined ? {} : { unionId: prev.unionId }),
    scopes: t.scopes,
    at: cipher.seal(t.accessToken, sealContext(id, 'at')),
    rt: cipher.seal(t.refreshToken, sealContext(id, 'rt')),
    atExp: now + t.expiresIn * 1000,
    atTtl: t.expiresIn,
    exp,
    created
  }
}
