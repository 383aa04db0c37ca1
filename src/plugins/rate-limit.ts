import fp from 'fastify-plugin'
import fastifyRateLimit, { normalizeIP, type FastifyRateLimitStore, type FastifyRateLimitStoreCtor, type RateLimitOptions } from '@fastify/rate-limit'
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config/index.js'
import { Errors } from '../errors.js'
import { createKeys } from '../session/keys.js'
import type { RedisClient } from '../session/redis-client.js'

// Rate limits with @fastify/rate-limit, registered with `global: false`: a route
// opts in with `config: { rateLimit: app.rateLimits.auth | .me | .internal }` (`false` = off).
// - auth: per client address and route; me: per live session, /me and /me/videos together (its
//   id, the token's digest, never the token); internal: per internal key (its name, never its
//   secret), across /internal/*. `me` and `internal` count after plugins/auth.ts has checked the
//   credential, which also counts refused credentials per client address.
// - Counters live in the session store's Redis under `${REDIS_KEY_PREFIX}rl:`, each with a TTL;
//   with the in-process store, in the plugin's local store.
// - A hit is a 429 envelope with Retry-After: the error below is mapped by error-handler.ts.
// - When Redis fails the limit is skipped (skipOnError). After one failure the limiter stops
//   waiting on Redis (see createRedisLimitStore), so an outage costs a request the session
//   store's own timeout only, not the limiter's as well.

const WINDOW_MS = 60_000
/** While Redis is failing, at most one background probe per this interval. */
const PROBE_INTERVAL_MS = 1000

export interface RateLimits {
  readonly auth: RateLimitOptions | false
  readonly me: RateLimitOptions | false
  readonly internal: RateLimitOptions | false
}

// INCR, a TTL on the first hit of a window, and a TTL again if one is somehow missing: no
// counter lives forever. One key per call, so it runs on a cluster too.
const LIMIT_LUA = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {n, ttl}`

type LimitClient = RedisClient & { bffRateLimit (key: string, windowMs: number): Promise<[number, number]> }

const SKIPPED = new Error('rate-limit store is failing: limit skipped')

/**
 * A store for the plugin on the session store's Redis. After a failed command it answers
 * "skip" at once instead of waiting on Redis again, and probes Redis in the background (the
 * probe is a real count of that request) until it answers, then waits on Redis again.
 */
export function createRedisLimitStore (redis: RedisClient, namespace: string, log: FastifyBaseLogger): FastifyRateLimitStoreCtor {
  redis.defineCommand('bffRateLimit', { numberOfKeys: 1, lua: LIMIT_LUA })
  const r = redis as LimitClient
  const state = { failing: false, nextProbe: 0, probing: false }

  const failed = (err: unknown): void => {
    if (!state.failing) log.warn({ err: { message: (err as Error).message } }, 'rate-limit store failed: limits skipped until it answers')
    state.failing = true
    state.nextProbe = Date.now() + PROBE_INTERVAL_MS
  }
  const recovered = (): void => {
    if (state.failing) log.info('rate-limit store answers again: limits enforced')
    state.failing = false
  }

  class RedisLimitStore implements FastifyRateLimitStore {
    incr (key: string, callback: (error: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number): void {
      const run = (): Promise<[number, number]> => r.bffRateLimit(namespace + key, timeWindow)
      if (state.failing) {
        if (!state.probing && Date.now() >= state.nextProbe) {
          state.probing = true
          run().then(recovered, failed).finally(() => { state.probing = false })
        }
        callback(SKIPPED)
        return
      }
      run().then(([current, ttl]) => { recovered(); callback(null, { current, ttl }) }, (err: unknown) => { failed(err); callback(err as Error) })
    }

    // Keys already name their route where the limit is per route (see the key generators).
    child (): FastifyRateLimitStore {
      return this
    }
  }
  return RedisLimitStore
}

export default fp(async function rateLimit (app: FastifyInstance, opts: { config: Config }) {
  const { config } = opts
  const redis = app.redis
  await app.register(fastifyRateLimit, {
    global: false,
    timeWindow: WINDOW_MS,
    skipOnError: true,
    ...(redis === undefined ? {} : { store: createRedisLimitStore(redis, createKeys(config.store.keyPrefix).rateLimit, app.log) }),
    errorResponseBuilder: (_request, ctx) => {
      const seconds = Math.max(1, Math.ceil(ctx.ttl / 1000))
      return Errors.rateLimited(ctx.max, seconds)
    }
  })

  const limit = (max: number, keyGenerator: (request: FastifyRequest) => string): RateLimitOptions | false =>
    max === 0 ? false : { max, timeWindow: WINDOW_MS, keyGenerator }
  const limits: RateLimits = {
    auth: limit(config.rateLimit.auth, (request) => `auth:${request.routeOptions.url ?? ''}:${normalizeIP(request.ip)}`),
    // Counted after authentication (plugins/auth.ts runs first): per live session, by its id
    // (the token's digest, never the token), and per internal key name.
    me: limit(config.rateLimit.me, (request) => `me:${request.session?.id ?? ''}`),
    internal: limit(config.rateLimit.internal, (request) => `internal:${request.caller ?? ''}`)
  }
  app.decorate('rateLimits', limits)
}, { name: 'rate-limit', dependencies: ['redis'] })

declare module 'fastify' {
  interface FastifyInstance {
    /** Route options for `config.rateLimit`: `false` when the limit is off. */
    rateLimits: RateLimits
  }
}
