import fp from 'fastify-plugin'
import fastifyOauth2 from '@fastify/oauth2'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config/index.js'
import type { SessionStore } from '../session/store.js'
import { createMemoryStore } from '../session/memory-store.js'
import { createRedisClient, createRedisStore, type RedisClient } from '../session/redis-store.js'
import { createTokenCipher } from '../session/crypto.js'
import { createTikTokClient, type TikTokClient } from '../tiktok/client.js'
import { createSessionService, type SessionService } from '../services/sessions.js'
import { createRefresher, type Refresher } from '../services/refresh.js'
import { createProfileService, type ProfileService } from '../services/profile.js'
import { createLoginService, type AuthorizeUrl, type LoginService } from '../services/login.js'
import type { Metrics } from './metrics.js'

// Builds the store, the TikTok client and the services once, and decorates them, like the
// repositories of fastify/demo. Closing the app closes Redis and the upstream pool.

export interface Services {
  store: SessionStore
  redis: RedisClient | undefined
  tiktok: TikTokClient
  sessions: SessionService
  refresher: Refresher
  profile: ProfileService
  login: LoginService
}

export interface ServicesOptions { config: Config, store?: SessionStore, metrics: Metrics }

export default fp(async function services (app: FastifyInstance, opts: ServicesOptions) {
  const { config, metrics } = opts
  let redis: RedisClient | undefined
  let store = opts.store
  if (store === undefined) {
    if (config.store.redis.kind === 'memory') {
      store = createMemoryStore(config.store.keyPrefix)
    } else {
      redis = createRedisClient(config.store.redis, config.store.commandTimeoutMs)
      redis.on('error', (err: Error) => { app.log.warn({ err: { message: err.message } }, 'session store connection error') })
      // Wait a little for the first connection, but start anyway: until the store answers,
      // requests that need it get 503 and readiness says so.
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        redis.connect().catch(() => {}),
        new Promise((resolve) => { timer = setTimeout(resolve, 3000) })
      ])
      clearTimeout(timer)
      store = createRedisStore(redis, config.store.keyPrefix, metrics.storeError)
    }
  }
  const sessionStore: SessionStore = store

  // @fastify/oauth2 (simple-oauth2) builds the authorize URL with TikTok's `client_key`
  // naming and comma-separated scopes. The code exchange does not go through it: see README.
  // Registered in a child context of its own: the plugin adds @fastify/cookie, whose hooks
  // would otherwise run on every request of every route (they showed in /me's CPU profile).
  let oauth2: { authorizeURL (p: Record<string, string>): string } | undefined
  await app.register(async (child) => {
    await child.register(fastifyOauth2, {
      name: 'tiktokOAuth2',
      credentials: {
        client: { id: config.tiktok.clientKey, secret: config.tiktok.clientSecret, idParamName: 'client_key' },
        auth: {
          authorizeHost: config.tiktok.authBaseUrl,
          authorizePath: '/v2/auth/authorize/',
          tokenHost: config.tiktok.apiBaseUrl,
          tokenPath: '/v2/oauth/token/'
        },
        options: { authorizationMethod: 'body' }
      },
      callbackUri: config.callbackUrl,
      scope: [...config.tiktok.scopes]
    })
    // `oauth2` is the plugin's simple-oauth2 AuthorizationCode (present at run time, not in its types).
    oauth2 = (child as unknown as { tiktokOAuth2: { oauth2: NonNullable<typeof oauth2> } }).tiktokOAuth2.oauth2
  })
  const authorizeUrl: AuthorizeUrl = (p) => (oauth2 as NonNullable<typeof oauth2>).authorizeURL({ ...p, scope: p.scope.join(',') })

  const cipher = createTokenCipher(config.encryptionKeys)
  const tiktok = createTikTokClient({
    apiBaseUrl: config.tiktok.apiBaseUrl,
    clientKey: config.tiktok.clientKey,
    clientSecret: config.tiktok.clientSecret,
    timeoutMs: config.tiktok.timeoutMs,
    onCall: metrics.tiktokCall
  })
  const sessions = createSessionService({ store: sessionStore, cipher, tiktok, sessionTtlSeconds: config.sessionTtlSeconds })
  const refresher = createRefresher({ store: sessionStore, tiktok, cipher, timeoutMs: config.tiktok.timeoutMs, sessionTtlSeconds: config.sessionTtlSeconds, onRefresh: metrics.refresh })
  const profile = createProfileService({ sessions, refresher, tiktok })
  const login = createLoginService({
    store: sessionStore,
    cipher,
    tiktok,
    sessions,
    authorizeUrl,
    callbackUrl: config.callbackUrl,
    appRedirectUris: config.appRedirectUris,
    defaultScopes: config.tiktok.scopes
  })

  const decorated: Services = { store: sessionStore, redis, tiktok, sessions, refresher, profile, login }
  app.decorate('bff', decorated)
  app.addHook('onClose', async () => {
    refresher.close()
    await tiktok.close()
    if (opts.store === undefined) await store.close()
  })
}, { name: 'services', dependencies: ['metrics'] })

declare module 'fastify' {
  interface FastifyInstance {
    bff: Services
  }
}
