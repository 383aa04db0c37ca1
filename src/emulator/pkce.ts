import { createHash } from 'node:crypto'

export type ChallengeKind = 'hex' | 'base64url'

// TikTok documents hex(SHA-256(verifier)) (desktop, both mobile SDKs); the web flow is seen
// to also take the RFC 7636 base64url form that Arctic, Auth.js and Nango send.
export function challengeKind (challenge: string): ChallengeKind | undefined {
  if (/^[0-9a-f]{64}$/.test(challenge)) return 'hex'
  if (/^[A-Za-z0-9_-]{43}$/.test(challenge)) return 'base64url'
  return undefined
}

// No 43-char minimum: the Android SDK generates 32-char verifiers.
const VERIFIER = /^[A-Za-z0-9\-._~]{1,128}$/

export function verifierMatches (verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier)) return false
  const digest = createHash('sha256').update(verifier).digest()
  const kind = challengeKind(challenge)
  if (kind === 'hex') return digest.toString('hex') === challenge
  if (kind === 'base64url') return digest.toString('base64url') === challenge
  return false
}
