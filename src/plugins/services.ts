import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config/index.js'
import type { SessionStore } from '../session/store.js'
import { createMemoryStore } from '../session/memory-store.js'
import { createRedisStore } from '../session/redis-store.js'
import { createRecordSigner } from '../session/signer.js'
import { createTokenCipher } from '../session/crypto.js'
import { createTikTokClient, type TikTokClient } from '../tiktok/client.js'
import { createSessionService, type SessionService } from '../services/sessions.js'
import { createRefresher, type Refresher } from '../services/refresh.js'
import { createProfileService, type ProfileService } from '../services/profile.js'
import { createVideoService, type VideoService } from '../services/videos.js'
import { createWithToken } from '../services/with-token.js'
import { createWebhookService, type WebhookService } from '../services/webhooks.js'
import { createLoginService, type LoginService } from '../services/login.js'
import { createAuthorizeUrl } from '../tiktok/authorize.js'
import type { Metrics } from './metrics.js'

// Builds the session store, the TikTok client and the services once, and decorates them as
// `app.services`, like the repositories of fastify/demo. Closing the app closes the upstream
// pool (the Redis connection is plugins/redis.ts's).

export interface Services {
  store: SessionStore
  tiktok: TikTokClient
  sessions: SessionService
  refresher: Refresher
  profile: ProfileService
  videos: VideoService
  webhooks: WebhookService
  login: LoginService
}

export interface ServicesOptions { config: Config, store?: SessionStore, metrics: Metrics }

export default fp(async function services (app: FastifyInstance, opts: ServicesOptions) {
  const { config, metrics } = opts
  const redis = app.redis
  const storeOptions = {
    prefix: config.store.keyPrefix,
    signer: createRecordSigner(config.encryptionKeys),
    idleMs: config.sessionIdleSeconds * 1000,
    onError: metrics.storeError
  }
  const store = opts.store ?? (redis === undefined ? createMemoryStore(storeOptions) : createRedisStore(redis, storeOptions))

  const cipher = createTokenCipher(config.encryptionKeys)
  const tiktok = createTikTokClient({
    apiBaseUrl: config.tiktok.apiBaseUrl,
    clientKey: config.tiktok.clientKey,
    clientSecret: config.tiktok.clientSecret,
    timeoutMs: config.tiktok.timeoutMs,
    onCall: metrics.tiktokCall
  })
  const refresher = createRefresher({ store, tiktok, cipher, timeoutMs: config.tiktok.timeoutMs, sessionTtlSeconds: config.sessionTtlSeconds, onRefresh: metrics.refresh })
  const sessions = createSessionService({ store, cipher, tiktok, refresher, sessionTtlSeconds: config.sessionTtlSeconds })
  const withToken = createWithToken({ sessions, refresher })
  const profile = createProfileService({ sessions, tiktok, withToken })
  const videos = createVideoService({ tiktok, withToken })
  const webhooks = createWebhookService({
    store,
    clientKey: config.tiktok.clientKey,
    clientSecret: config.tiktok.clientSecret,
    toleranceSeconds: config.webhookToleranceSeconds,
    endSessionsOf: sessions.endAllOf,
    onDelivery: metrics.webhook
  })
  const login = createLoginService({
    store,
    cipher,
    tiktok,
    sessions,
    authorizeUrl: createAuthorizeUrl(config.tiktok.authBaseUrl, config.tiktok.clientKey),
    callbackUrl: config.callbackUrl,
    appRedirectUris: config.appRedirectUris,
    defaultScopes: config.tiktok.scopes
  })

  const services: Services = { store, tiktok, sessions, refresher, profile, videos, webhooks, login }
  app.decorate('services', services)
  app.addHook('onClose', async () => {
    refresher.close()
    await tiktok.close()
    if (opts.store === undefined) await store.close()
  })
}, { name: 'services', dependencies: ['metrics', 'redis'] })

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
  }
}
