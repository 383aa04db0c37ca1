import { isIP } from 'node:net'

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

/**
 * An absolute http(s) origin with an optional path prefix; returned without a trailing slash.
 * `httpsOnly` (production): plain http is refused.
 */
export function parseHttpOrigin (name: string, value: string, httpsOnly = false): string {
  let url: URL
  try { url = new URL(value) } catch { throw new ConfigError(name, 'must be an absolute http(s) URL') }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(name, 'must be an absolute http(s) URL without query, fragment or credentials')
  }
  if (httpsOnly && url.protocol !== 'https:') throw new ConfigError(name, 'must be an https URL in production (NODE_ENV=production)')
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

/** Bits of randomness a secret can hold at most: its length times the bits of the smallest usual alphabet it fits. */
export function secretBits (secret: string): number {
  const perChar = /^[0-9a-f]+$/i.test(secret) ? 4 : /^[A-Za-z0-9+/_=-]+$/.test(secret) ? 6 : Math.log2(95)
  return secret.length * perChar
}

/** The least a secret of INTERNAL_API_KEYS may hold: 128 bits, beyond any guessing, throttled or not. */
export const INTERNAL_SECRET_BITS = 128

/** `name:secret,...`: names are logged, secrets never; each secret holds 128 bits or more. */
export function parseInternalKeys (name: string, value: string): Array<{ name: string, secret: string }> {
  const keys = splitList(value).map((pair) => {
    const at = pair.indexOf(':')
    const keyName = pair.slice(0, at)
    const secret = pair.slice(at + 1)
    if (at < 1 || !/^[\w.-]+$/.test(keyName)) throw new ConfigError(name, 'each entry must be name:secret')
    if (secretBits(secret) < INTERNAL_SECRET_BITS) {
      throw new ConfigError(name, `the secret of ${keyName} is too short: at least ${INTERNAL_SECRET_BITS} bits (22 base64url or 32 hex characters of random: openssl rand -hex 32)`)
    }
    return { name: keyName, secret }
  })
  const names = keys.map((k) => k.name)
  const repeated = names.find((n, i) => names.indexOf(n) !== i)
  if (repeated !== undefined) throw new ConfigError(name, `the name ${repeated} is used twice`)
  return keys
}

/** Fastify's trustProxy: false, true, a hop count, or the addresses/CIDRs of the proxies. */
export type TrustProxy = boolean | number | string[]

export function parseTrustProxy (name: string, value: string): TrustProxy {
  const v = value.trim().toLowerCase()
  if (v === 'false' || v === '') return false
  if (v === 'true') return true
  if (/^\d+$/.test(v)) {
    const hops = Number(v)
    if (hops < 1 || hops > 100) throw new ConfigError(name, 'a hop count must be from 1 to 100')
    return hops
  }
  const list = splitList(value)
  for (const entry of list) {
    const [address = '', bits, ...rest] = entry.split('/')
    const family = isIP(address)
    const max = family === 4 ? 32 : 128
    if (family === 0 || rest.length > 0 || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))) {
      throw new ConfigError(name, 'must be false, true, a hop count, or comma-separated IP addresses or CIDR ranges of the proxies')
    }
  }
  return list
}
