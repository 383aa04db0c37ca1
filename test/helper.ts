import { Redis } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { buildApp, type BuildOptions } from '../src/app.js'
import { loadConfig, type Config } from '../src/config/index.js'
import { startEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js'
import { NATIVE_REDIRECT, REDIS_URL, testEnv } from './support/env.js'
import { loginOver, type LoggedIn, type LoginOptions } from './support/http.js'
import { captureLogs } from './support/logs.js'
import { sdkPkcePair } from './support/pkce.js'
import { deleteUnder, keysUnder } from './support/redis-keys.js'
import type { Teardownable } from './support/teardown.js'

// Shared test set-up (after fastify/demo's test/helper.ts): the real emulator on a free port,
// the real Redis under a per-test key prefix, the app over real HTTP; all closed on teardown.
// What the tests use most is re-exported from test/support/, where each helper lives once.

export { APP_REDIRECT, INTERNAL_KEY, NATIVE_REDIRECT, REDIS_URL, testEnv } from './support/env.js'
export { auth } from './support/http.js'
export { captureLogs } from './support/logs.js'
export { pkcePair, sdkPkcePair } from './support/pkce.js'
export { keysUnder, storedRecord, storedValue } from './support/redis-keys.js'

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
    await deleteUnder(redis, prefix)
    redis.disconnect()
  })
  const dataKeys = async (): Promise<string[]> => (await keys()).filter((k) => !k.startsWith(`${prefix}rl:`))
  return { app, config, emulator, redis, logs: lines, keys, dataKeys }
}

/**
 * The browser flow through app.inject, the emulator standing in for the user's consent:
 * login → (TikTok approves) → callback → app redirect with handoff code → POST /auth/session.
 */
export async function login (ctx: Ctx, opts: LoginOptions = {}): Promise<LoggedIn> {
  return await loginOver(ctx.app, ctx.emulator, opts)
}

/**
 * A code from TikTok's native Login Kit for NATIVE_REDIRECT (the emulator standing in for the
 * user's consent), and the verifier the SDK made: what the SDK hands the app.
 */
export function nativeCode (ctx: Ctx, opts: { scopes?: string[], openId?: string } = {}): { code: string, verifier: string } {
  const { verifier, challenge } = sdkPkcePair()
  const scopes = opts.scopes ?? ['user.info.basic']
  const code = ctx.emulator.controls.issueCode({ scopes, redirectUri: NATIVE_REDIRECT, codeChallenge: challenge, ...(opts.openId === undefined ? {} : { openId: opts.openId }) })
  return { code, verifier }
}
