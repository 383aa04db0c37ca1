import { randomBytes } from 'node:crypto'
import envSchema from 'env-schema'
import { EnvSchema, type Env } from './schema.js'
import { isScope } from '../scopes/catalogue.js'
import { ConfigError, isAllowedAppRedirectUri, parseHostPorts, parseHttpOrigin, parseInternalKeys, parseKeys, parseTrustProxy, splitList, type TrustProxy } from './parse.js'

export { ConfigError } from './parse.js'

export interface HostPort { host: string, port: number }

export type RedisConfig =
  | { kind: 'memory' }
  | { kind: 'url', url: string }
  | { kind: 'cluster', nodes: HostPort[], password?: string, tls: boolean }
  | { kind: 'sentinel', sentinels: HostPort[], name: string, password?: string, sentinelPassword?: string, tls: boolean }

export interface Config {
  readonly production: boolean
  readonly host: string
  readonly port: number
  readonly publicBaseUrl: string
  readonly callbackUrl: string
  readonly tiktok: {
    readonly clientKey: string
    readonly clientSecret: string
    readonly authBaseUrl: string
    readonly apiBaseUrl: string
    readonly scopes: readonly string[]
    readonly timeoutMs: number
  }
  readonly store: {
    readonly redis: RedisConfig
    readonly keyPrefix: string
    readonly commandTimeoutMs: number
  }
  /** AES-256 keys; the first encrypts, all decrypt. */
  readonly encryptionKeys: readonly Buffer[]
  readonly appRedirectUris: readonly string[]
  readonly internalApiKeys: ReadonlyArray<{ readonly name: string, readonly secret: string }>
  readonly sessionTtlSeconds: number | undefined
  /** A session unused this long ends (sliding, never past sessionTtlSeconds or TikTok's grant). */
  readonly sessionIdleSeconds: number
  /** How far a webhook's signed timestamp may be from now. */
  readonly webhookToleranceSeconds: number
  /** Fastify's trustProxy: which proxies' X-Forwarded-For gives the client address. */
  readonly trustProxy: TrustProxy
  readonly rateLimit: { readonly auth: number, readonly me: number, readonly internal: number }
  readonly logLevel: string
  /** How long a stop may take before the process exits anyway (src/server.ts). */
  readonly shutdownGraceMs: number
  /** Start-up warnings to log once the logger exists (dev-only fallbacks). */
  readonly warnings: readonly string[]
}

const EMULATOR_CREDENTIALS = { key: 'emulator-client-key', secret: 'emulator-client-secret' }

function readEnv (env: Record<string, string | undefined>): Env {
  const data: Record<string, string> = {}
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') data[key] = value
  }
  try {
    return envSchema<Env>({ schema: EnvSchema, data, env: false })
  } catch (err) {
    const first = (err as { errors?: Array<{ instancePath: string, message?: string }> }).errors?.[0]
    const name = first?.instancePath.replace(/^\//, '') ?? 'environment'
    throw new ConfigError(name, first?.message ?? 'is invalid')
  }
}

function redisConfig (e: Env): RedisConfig {
  const given = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter((k) => e[k] !== undefined)
  if (given.length > 1) throw new ConfigError(given.join(', '), 'set exactly one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS')
  const tls = e.REDIS_TLS === 'true'
  if (!['true', 'false'].includes(e.REDIS_TLS)) throw new ConfigError('REDIS_TLS', 'must be true or false')
  if (e.REDIS_URL !== undefined) {
    let url: URL
    try { url = new URL(e.REDIS_URL) } catch { throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL') }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL')
    return { kind: 'url', url: e.REDIS_URL }
  }
  if (e.REDIS_CLUSTER_NODES !== undefined) {
    return { kind: 'cluster', nodes: parseHostPorts('REDIS_CLUSTER_NODES', e.REDIS_CLUSTER_NODES), password: e.REDIS_PASSWORD, tls }
  }
  if (e.REDIS_SENTINELS !== undefined) {
    if (e.REDIS_SENTINEL_NAME === undefined) throw new ConfigError('REDIS_SENTINEL_NAME', 'is required with REDIS_SENTINELS')
    return {
      kind: 'sentinel',
      sentinels: parseHostPorts('REDIS_SENTINELS', e.REDIS_SENTINELS),
      name: e.REDIS_SENTINEL_NAME,
      password: e.REDIS_PASSWORD,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
      tls
    }
  }
  return { kind: 'memory' }
}

/** Reads and checks the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig (env: Record<string, string | undefined>): Config {
  const e = readEnv(env)
  const production = e.NODE_ENV === 'production'
  const warnings: string[] = []

  // Production never speaks cleartext to the app or to TikTok: tokens and codes travel there.
  const publicBaseUrl = parseHttpOrigin('PUBLIC_BASE_URL', e.PUBLIC_BASE_URL ?? `http://127.0.0.1:${e.PORT}`, production)
  const authBaseUrl = parseHttpOrigin('TIKTOK_AUTH_BASE_URL', e.TIKTOK_AUTH_BASE_URL, production)
  const apiBaseUrl = parseHttpOrigin('TIKTOK_API_BASE_URL', e.TIKTOK_API_BASE_URL, production)

  const scopes = splitList(e.TIKTOK_SCOPES)
  if (scopes.length === 0) throw new ConfigError('TIKTOK_SCOPES', 'must list at least one scope')
  const unknown = scopes.filter((s) => !isScope(s))
  if (unknown.length > 0) throw new ConfigError('TIKTOK_SCOPES', `unknown scope(s): ${unknown.join(', ')}`)

  let clientKey = e.TIKTOK_CLIENT_KEY
  let clientSecret = e.TIKTOK_CLIENT_SECRET
  if (clientKey === undefined || clientSecret === undefined) {
    const missing = clientKey === undefined ? 'TIKTOK_CLIENT_KEY' : 'TIKTOK_CLIENT_SECRET'
    const loopback = [authBaseUrl, apiBaseUrl].every((u) => /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(u))
    if (production || !loopback) throw new ConfigError(missing, 'is required (unless TikTok is the local emulator, outside production)')
    clientKey ??= EMULATOR_CREDENTIALS.key
    clientSecret ??= EMULATOR_CREDENTIALS.secret
  }

  const redis = redisConfig(e)
  if (redis.kind === 'memory') {
    if (production) throw new ConfigError('REDIS_URL', 'one of REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS is required in production')
    warnings.push('No Redis variable set: using the in-process store (development only; sessions die with the process).')
  }

  let encryptionKeys: Buffer[]
  if (e.TOKEN_ENCRYPTION_KEYS === undefined) {
    if (production) throw new ConfigError('TOKEN_ENCRYPTION_KEYS', 'is required in production (comma-separated base64 32-byte keys)')
    encryptionKeys = [randomBytes(32)]
    warnings.push('TOKEN_ENCRYPTION_KEYS not set: using a random per-process key (sessions do not survive a restart or another instance).')
  } else {
    encryptionKeys = parseKeys('TOKEN_ENCRYPTION_KEYS', e.TOKEN_ENCRYPTION_KEYS)
  }

  const appRedirectUris = splitList(e.APP_REDIRECT_URIS ?? '')
  for (const uri of appRedirectUris) {
    if (!isAllowedAppRedirectUri(uri)) {
      throw new ConfigError('APP_REDIRECT_URIS', 'each entry must be an https URI, a private-use scheme URI (com.example.app:/path) or an http loopback URI, without a fragment or userinfo, written in canonical form (lower-case scheme and host, no default port)')
    }
  }

  const internalApiKeys = parseInternalKeys('INTERNAL_API_KEYS', e.INTERNAL_API_KEYS ?? '')

  const config: Config = {
    production,
    host: e.HOST,
    port: e.PORT,
    publicBaseUrl,
    callbackUrl: `${publicBaseUrl}/auth/tiktok/callback`,
    tiktok: { clientKey, clientSecret, authBaseUrl, apiBaseUrl, scopes, timeoutMs: e.TIKTOK_TIMEOUT_MS },
    store: { redis, keyPrefix: e.REDIS_KEY_PREFIX, commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS },
    encryptionKeys,
    appRedirectUris,
    internalApiKeys,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    sessionIdleSeconds: e.SESSION_IDLE_TIMEOUT_SECONDS,
    webhookToleranceSeconds: e.TIKTOK_WEBHOOK_TOLERANCE_SECONDS,
    trustProxy: parseTrustProxy('TRUST_PROXY', e.TRUST_PROXY),
    rateLimit: { auth: e.RATE_LIMIT_AUTH_PER_MINUTE, me: e.RATE_LIMIT_ME_PER_MINUTE, internal: e.RATE_LIMIT_INTERNAL_PER_MINUTE },
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    warnings
  }
  return Object.freeze(config)
}
