// Checks of single configuration values. Each failure names the variable and never echoes
// its value (it may be a secret).

export class ConfigError extends Error {
  readonly variable: string
  constructor (variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
    this.variable = variable
  }
}

export function splitList (value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

/** An absolute http(s) origin with an optional path prefix; returned without a trailing slash. */
export function parseHttpOrigin (name: string, value: string): string {
  let url: URL
  try { url = new URL(value) } catch { throw new ConfigError(name, 'must be an absolute http(s) URL') }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(name, 'must be an absolute http(s) URL without query, fragment or credentials')
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}

export function parseHostPorts (name: string, value: string): Array<{ host: string, port: number }> {
  const list = splitList(value).map((entry) => {
    const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(entry)
    const port = Number(m?.[2])
    if (m?.[1] === undefined || port < 1 || port > 65535) throw new ConfigError(name, 'must be a comma-separated list of host:port')
    return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port }
  })
  if (list.length === 0) throw new ConfigError(name, 'must list at least one host:port')
  return list
}

export function parseKeys (name: string, value: string): Buffer[] {
  const keys = splitList(value).map((k) => {
    const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(k) ? Buffer.from(k, 'base64') : Buffer.alloc(0)
    if (key.length !== 32) throw new ConfigError(name, 'each key must be base64 of exactly 32 bytes (openssl rand -base64 32)')
    return key
  })
  if (keys.length === 0) throw new ConfigError(name, 'must list at least one key')
  return keys
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

/**
 * An app redirect URI that RFC 8252 allows: https (universal/app links), a private-use
 * reverse-DNS scheme, or http on a loopback address. Never a fragment or userinfo.
 * It must be written as a URL parser writes it back (a trailing `/` on an empty path aside):
 * requests are compared with it exactly, and the redirect goes to its parsed form, so an
 * entry a parser rewrites (upper case, a default port, backslashes, `https:host`, control
 * characters, an encoded or numeric host) would send users somewhere other than it reads.
 */
export function isAllowedAppRedirectUri (uri: string): boolean {
  let url: URL
  try { url = new URL(uri) } catch { return false }
  if (url.hash !== '' || uri.includes('#') || url.username !== '' || url.password !== '') return false
  if (url.href !== uri && !(url.pathname === '/' && url.href === `${uri}/`)) return false
  // A host name, an IPv4 or a bracketed IPv6 address: no `*` that reads like a wildcard.
  if (url.protocol === 'https:') return /^([a-z0-9_-]+\.)*[a-z0-9_-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname)
  if (url.protocol === 'http:') return LOOPBACK_HOSTS.has(url.hostname)
  // Private-use schemes are reverse domain names (RFC 8252 §7.1): at least one dot.
  return /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/.test(url.protocol) && !/^(javascript|data|file|vbscript):/i.test(uri)
}
