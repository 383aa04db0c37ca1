import { createHash, randomBytes } from 'node:crypto'

// TikTok documents PKCE with a hex-encoded S256 challenge (login-kit-desktop, both mobile SDKs),
// not RFC 7636's base64url. The app's own challenge towards this service is RFC 7636's.

export function newVerifier (): string {
  return randomBytes(48).toString('base64url') // 64 characters of [A-Za-z0-9_-]
}

export function hexChallenge (verifier: string): string {
  return createHash('sha256').update(verifier).digest('hex')
}

export function rfc7636Challenge (verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url')
}

export const RFC7636_CHALLENGE = /^[A-Za-z0-9_-]{43}$/
export const RFC7636_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/
/** TikTok's Android SDK makes 32-character verifiers: the native exchange passes them on as they are. */
export const SDK_VERIFIER = /^[A-Za-z0-9._~-]{1,128}$/
