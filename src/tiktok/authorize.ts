// The link to TikTok's consent page (https://developers.tiktok.com/doc/login-kit-web,
// https://developers.tiktok.com/doc/login-kit-desktop): `client_key` (never `client_id`),
// comma-separated scopes, and PKCE with TikTok's hex S256 challenge.

export interface AuthorizeParams {
  redirectUri: string
  scopes: readonly string[]
  state: string
  /** hex(SHA-256(verifier)): see pkce.ts. */
  codeChallenge: string
}

export type AuthorizeUrl = (p: AuthorizeParams) => string

export function createAuthorizeUrl (authBaseUrl: string, clientKey: string): AuthorizeUrl {
  const endpoint = `${authBaseUrl}/v2/auth/authorize/`
  return (p) => `${endpoint}?${new URLSearchParams({
    client_key: clientKey,
    response_type: 'code',
    scope: p.scopes.join(','),
    redirect_uri: p.redirectUri,
    state: p.state,
    code_challenge: p.codeChallenge,
    code_challenge_method: 'S256'
  }).toString()}`
}
