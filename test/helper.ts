import { randomBytes, createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import pino from 'pino'
import { Redis } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { buildApp, type BuildOptions } from '../src/app.js'
import { loadConfig, type Config } from '../src/config/index.js'
import { startEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js'

// Shared test set-up (after fastify/demo's test/helper.ts): the real emulator on a free port,
// the real Redis under a per-test key prefix, the app over real HTTP; all closed on teardown.

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const APP_REDIRECT = 'https://app.example.com/oauth/callback'
export const NATIVE_REDIRECT = 'com.example.app:/oauth'
/** The secret of the internal API key `reports` that testEnv configures. */
export const INTERNAL_KEY = 'internal-secret-0123456789abcdef'

interface Teardownable { teardown (fn: () => unknown): void }

export function b64urlSha256 (s: string): string {
  return createHash('sha256').update(s).digest('base64url')
}

export function pkcePair (): { verifier: string, challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: b64urlSha256(verifier) }
}

export function testEnv (emulatorUrl: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    TIKTOK_CLIENT_KEY: 'emulator-client-key',
    TIKTOK_CLIENT_SECRET: 'emulator-client-secret',
    TIKTOK_AUTH_BASE_URL: emulatorUrl,
    TIKTOK_API_BASE_URL: emulatorUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: `bff-test:${randomBytes(6).toString('hex')}:`,
    TOKEN_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
    APP_REDIRECT_URIS: `${APP_REDIRECT},${NATIVE_REDIRECT}`,
    INTERNAL_API_KEYS: `reports:${INTERNAL_KEY}`,
    LOG_LEVEL: 'info',
    ...extra
  }
}

/** Captures every log line of an app (for assertions and secret scans). */
export function captureLogs (): { logger: pino.Logger, lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _enc, cb) { lines.push(...chunk.toString().split('\n').filter((l) => l !== '')); cb() } })
  return { logger: pino({ level: 'info' }, stream), lines }
}

/** Every key under a prefix (SCAN, never KEYS): what one test wrote. */
export async function keysUnder (redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    found.push(...batch)
  } while (cursor !== '0')
  return found
}

export interface Ctx {
  app: FastifyInstance
  config: Config
  emulator: Emulator
  redis: Redis
  logs: string[]
  /** Keys this test wrote, under its own prefix. */
  keys (): Promise<string[]>
  /** The same without rate-limit counters: what a request stored as data. */
  dataKeys (): Promise<string[]>
}

export async function build (t: Teardownable, opts: { env?: Record<string, string | undefined>, emulator?: EmulatorOptions, app?: BuildOptions } = {}): Promise<Ctx> {
  const emulator = await startEmulator(opts.emulator)
  t.teardown(() => emulator.close())
  const config = loadConfig(testEnv(emulator.url, opts.env))
  const { logger, lines } = captureLogs()
  const app = await buildApp(config, { loggerInstance: logger, ...opts.app })
  await app.ready()
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect()
  const prefix = config.store.keyPrefix
  const keys = (): Promise<string[]> => keysUnder(redis, prefix)
  t.teardown(async () => {
    await app.close()
    const left = await keys()
    if (left.length > 0) await redis.del(...left)
    redis.disconnect()
  })
  const dataKeys = async (): Promise<string[]> => (await keys()).filter((k) => !k.startsWith(`${prefix}rl:`))
  return { app, config, emulator, redis, logs: lines, keys, dataKeys }
}

export interface LoginResult { token: string, session: { token: string, open_id: string, scopes: string[], expires_at: string, token_type: string } }

/**
 * The browser flow with the emulator standing in for the user's consent:
 * login → (TikTok approves) → callback → app redirect with handoff code → POST /auth/session.
 */
export async function login (ctx: Ctx, opts: { scopes?: string[], openId?: string, appScope?: string } = {}): Promise<LoginResult> {
  const { app, emulator, config } = ctx
  const pkce = pkcePair()
  const start = await app.inject({
    url: '/auth/tiktok/login',
    query: { redirect_uri: APP_REDIRECT, code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'app-state-1', ...(opts.appScope === undefined ? {} : { scope: opts.appScope }) }
  })
  if (start.statusCode !== 302) throw new Error(`login answered ${start.statusCode}: ${start.body}`)
  const authorize = new URL(start.headers.location as string)
  const requested = (authorize.searchParams.get('scope') ?? '').split(',')
  const code = emulator.controls.issueCode({
    scopes: opts.scopes ?? requested,
    redirectUri: config.callbackUrl,
    codeChallenge: authorize.searchParams.get('code_challenge') ?? '',
    ...(opts.openId === undefined ? {} : { openId: opts.openId })
  })
  const cb = await app.inject({ url: '/auth/tiktok/callback', query: { code, state: authorize.searchParams.get('state') ?? '', scopes: (opts.scopes ?? requested).join(',') } })
  if (cb.statusCode !== 302) throw new Error(`callback answered ${cb.statusCode}: ${cb.body}`)
  const back = new URL(cb.headers.location as string)
  const handoff = back.searchParams.get('code')
  if (handoff === null) throw new Error(`callback redirected without a code: ${back.search}`)
  const res = await app.inject({ method: 'POST', url: '/auth/session', payload: { code: handoff, code_verifier: pkce.verifier } })
  if (res.statusCode !== 201) throw new Error(`session answered ${res.statusCode}: ${res.body}`)
  const session = res.json().data.session
  return { token: session.token, session }
}

/** The value of a record as the store keeps it, `<key id>.<MAC>.<value>`: the value. */
export function storedValue (raw: string): string {
  return raw.slice(raw.indexOf('.', raw.indexOf('.') + 1) + 1)
}

/** A stored session record, parsed (null when absent). */
export function storedRecord<T = Record<string, unknown>> (raw: string | null): T | null {
  return raw === null ? null : JSON.parse(storedValue(raw)) as T
}

export const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })
