import { createHash, randomBytes } from 'node:crypto'

// PKCE pairs as the service's callers make them. A web or native app talking to this service
// uses RFC 7636's S256 (base64url challenge, 43-character verifier here); TikTok's Login Kit
// wants a hex S256 challenge (https://developers.tiktok.com/doc/login-kit-desktop), and its
// Android SDK makes 32-character verifiers. Computed here, not with the service's own code, so
// a bug there cannot agree with itself.

export interface PkcePair { verifier: string, challenge: string }

export function b64urlSha256 (s: string): string {
  return createHash('sha256').update(s).digest('base64url')
}

/** RFC 7636 §4.1–§4.2: a 43-character verifier and its base64url S256 challenge. */
export function pkcePair (): PkcePair {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: b64urlSha256(verifier) }
}

/** The pair TikTok's Login Kit SDK makes: a 32-character verifier and a hex S256 challenge. */
export function sdkPkcePair (): PkcePair {
  const verifier = randomBytes(24).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('hex') }
}
