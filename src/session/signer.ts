import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'
import { keyId } from './crypto.js'

// Every record the store holds (a session, a pending login, a handoff code, a user-index entry,
// a handled webhook delivery)
// is signed for the Redis key it is stored under: `<key id>.<MAC>.<value>`, the MAC an
// HMAC-SHA256 over the key name and the value with a key derived (HKDF, RFC 5869) from each
// TOKEN_ENCRYPTION_KEYS key. A value edited in Redis, or copied under another key (another
// session's, another user's index), fails the check and reads as absent: introspection never
// vouches for it, the callback never redirects by it. Rotation works as for the tokens: the
// first key signs, every configured key verifies, and a record is signed again on its next write.

/** 128 bits of HMAC-SHA256 (RFC 2104 §5: at least half the hash output). */
const MAC_BYTES = 16

export interface RecordSigner {
  /** `value`, signed for the key `key`. */
  sign (key: string, value: string): string
  /** The value of a record signed for `key` with a configured key; null when absent or not authentic. */
  open (key: string, signed: string | null): string | null
  /** `value` signed for `key` with each configured key: every form a stored copy may have (deletes). */
  signAll (key: string, value: string): string[]
}

interface MacKey { readonly id: string, readonly secret: Buffer }

function macKey (encryptionKey: Buffer): MacKey {
  return { id: keyId(encryptionKey), secret: Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'tiktok-bff record MAC', 32)) }
}

function mac (k: MacKey, key: string, value: string): Buffer {
  // The key name is length-prefixed, so no (key, value) pair signs the same as another.
  return createHmac('sha256', k.secret).update(`${key.length}:${key}\n`).update(value).digest().subarray(0, MAC_BYTES)
}

const signWith = (k: MacKey, key: string, value: string): string => `${k.id}.${mac(k, key, value).toString('base64url')}.${value}`

export function createRecordSigner (encryptionKeys: readonly Buffer[]): RecordSigner {
  const keys = encryptionKeys.map(macKey)
  const first = keys[0]
  if (first === undefined) throw new Error('at least one encryption key is needed')
  const byId = new Map(keys.map((k) => [k.id, k]))

  return {
    sign: (key, value) => signWith(first, key, value),
    open (key, signed) {
      if (signed === null) return null
      const a = signed.indexOf('.')
      const b = signed.indexOf('.', a + 1)
      if (a < 0 || b < 0) return null
      const k = byId.get(signed.slice(0, a))
      if (k === undefined) return null
      const given = Buffer.from(signed.slice(a + 1, b), 'base64url')
      const value = signed.slice(b + 1)
      return given.length === MAC_BYTES && timingSafeEqual(given, mac(k, key, value)) ? value : null
    },
    signAll: (key, value) => keys.map((k) => signWith(k, key, value))
  }
}
