import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

// AES-256-GCM for TikTok tokens at rest. Each value carries the id of the key that sealed it,
// so TOKEN_ENCRYPTION_KEYS can rotate: the first key seals, every listed key opens, and a value
// opened with an older key is reported stale so its next write re-seals it with the first key.
// The associated data binds a value to where it is stored (session and field): a ciphertext
// copied into another session's record does not open there.

export interface Opened { plain: string, stale: boolean }

export interface TokenCipher {
  seal (plain: string, context: string): string
  open (sealed: string, context: string): Opened
}

const IV_BYTES = 12
const TAG_BYTES = 16

/** A short public id of a key: not the key, not reversible to it. */
export function keyId (key: Buffer): string {
  return createHash('sha256').update('tiktok-bff key id\0').update(key).digest('base64url').slice(0, 8)
}

export class DecryptError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'DecryptError'
  }
}

export function createTokenCipher (keys: readonly Buffer[]): TokenCipher {
  const first = keys[0]
  if (first === undefined) throw new Error('at least one encryption key is needed')
  const byId = new Map(keys.map((k) => [keyId(k), k]))
  const currentId = keyId(first)

  return {
    seal (plain, context) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', first, iv)
      cipher.setAAD(Buffer.from(context))
      const body = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()])
      return `${currentId}.${body.toString('base64url')}`
    },
    open (sealed, context) {
      const dot = sealed.indexOf('.')
      const id = sealed.slice(0, dot)
      const key = byId.get(id)
      if (dot < 0 || key === undefined) throw new DecryptError('sealed with a key that is no longer configured')
      const body = Buffer.from(sealed.slice(dot + 1), 'base64url')
      if (body.length < IV_BYTES + TAG_BYTES) throw new DecryptError('sealed value is truncated')
      const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES))
      decipher.setAAD(Buffer.from(context))
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
      try {
        const plain = Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString('utf8')
        return { plain, stale: id !== currentId }
      } catch {
        throw new DecryptError('sealed value failed authentication')
      }
    }
  }
}
