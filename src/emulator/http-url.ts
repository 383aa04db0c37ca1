/**
 * Why `uri` is not an absolute http(s) URI without a fragment, or undefined when it is one.
 * Redirect targets must be such URIs (RFC 6749 §3.1.2), and so must the webhook URL.
 */
export function httpUrlProblem (uri: string, name: string): string | undefined {
  let url: URL
  try { url = new URL(uri) } catch { return `${name} must be an absolute URI.` }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${name} must be an http(s) URI.`
  if (uri.includes('#')) return `${name} must not have a fragment.`
  return undefined
}
