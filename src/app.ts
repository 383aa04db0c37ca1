import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config/index.js'
import type { SessionStore } from './session/store.js'
import { newLogId } from './envelope.js'
import { loggerOptions } from './logger.js'
import errorHandler, { sendError } from './plugins/error-handler.js'
import security, { clientErrorHandler } from './plugins/security.js'
import bodyParser from './plugins/body-parser.js'
import swagger from './plugins/swagger.js'
import metricsPlugin, { createMetrics } from './plugins/metrics.js'
import redis from './plugins/redis.js'
import services from './plugins/services.js'
import auth from './plugins/auth.js'
import overloadGuard from './plugins/under-pressure.js'
import shutdownGuard from './plugins/shutdown-guard.js'
import rateLimit from './plugins/rate-limit.js'
import loginRoutes from './routes/auth/login.js'
import sessionRoutes from './routes/auth/session.js'
import logoutRoutes from './routes/auth/logout.js'
import meRoutes from './routes/me.js'
import videoRoutes from './routes/videos.js'
import webhookRoutes from './routes/webhooks.js'
import scopesRoutes from './routes/scopes.js'
import healthRoutes from './routes/health.js'
import internalRoutes from './routes/internal/index.js'
import demoRoutes from './routes/demo.js'

export interface BuildOptions {
  /** A store to use instead of the one the config names (tests). */
  store?: SessionStore
  /** A logger instance instead of pino on stdout (tests capture log lines). */
  loggerInstance?: FastifyServerOptions['loggerInstance']
  /** Serve the demo app page at /demo (npm run dev). */
  demo?: boolean
}

/**
 * Fastify's own validator factory, used twice: query strings and path parameters arrive as
 * text and are coerced to their schema's types (and a lone value to an array); JSON bodies
 * arrive typed and are validated as sent, so `{"token": 42}` is a 400 naming the field, not
 * the string "42".
 */
export function exactBodyValidators (): ValidatorFactory {
  const pool = AjvCompiler()
  return (externalSchemas, options) => {
    const coercing = pool(externalSchemas, options)
    if (options?.mode === 'JTD') return coercing // JTD has no coercion to turn off
    const exact = pool(externalSchemas, { ...options, customOptions: { ...options?.customOptions, coerceTypes: false } })
    return (route) => route.httpPart === 'body' ? exact(route) : coercing(route)
  }
}

/** Trust the nearest `n` proxies (Fastify's own reading of a numeric trustProxy; its types take a function). */
const hops = (n: number) => (_address: string, hop: number): boolean => hop < n

export async function buildApp (config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.loggerInstance === undefined ? { logger: loggerOptions(config.logLevel) } : { loggerInstance: opts.loggerInstance }),
    genReqId: () => newLogId(),
    // The client address (rate limits) comes from X-Forwarded-For only through TRUST_PROXY's proxies.
    trustProxy: typeof config.trustProxy === 'number' ? hops(config.trustProxy) : config.trustProxy,
    requestIdHeader: false,
    // One log line per request, written by the onResponse hook below, labelled log_id.
    logController: new LogController({ requestIdLogLabel: 'log_id', disableRequestLogging: true }),
    bodyLimit: 16 * 1024,
    return503OnClosing: false, // the envelope instead: plugins/shutdown-guard.ts
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: false },
    schemaController: { compilersFactory: { buildValidator: exactBodyValidators() } },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false, keywords: ['x-tiktok-scope', 'x-enum-values'] } },
    // Errors raised before routing (a malformed URL) get the envelope too.
    frameworkErrors: (err, request, reply) => { sendError(err, request, reply) },
    // ...and so do requests Node's parser refuses, and HTTP/1.1 without Host (plugins/security.ts).
    clientErrorHandler,
    http: { requireHostHeader: false }
  }).withTypeProvider<TypeBoxTypeProvider>()

  for (const w of config.warnings) app.log.warn(w)

  // Per-request hooks are callback-style: no promise per hook on the hot path. The x-log-id
  // header is set with the security headers, by the first onRequest hook (plugins/security.ts).

  // One summary per answered request: its metrics and its log line (the route read once).
  // request.log carries log_id (and caller, bound by plugins/auth.ts); the path is logged
  // without its query; pino leaves out tiktok_log_id when TikTok gave none.
  const metrics = createMetrics()
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const status = reply.statusCode
    const ms = reply.elapsedTime
    metrics.observeHttp(request.method, route, status, ms / 1000)
    const q = request.url.indexOf('?')
    request.log.info({
      method: request.method,
      route,
      path: q === -1 ? request.url : request.url.slice(0, q),
      status,
      ms: Math.round(ms * 100) / 100,
      tiktok_log_id: request.tiktokLogId
    }, 'request')
    done()
  })

  await app.register(errorHandler)
  await app.register(security)
  await app.register(overloadGuard)
  await app.register(shutdownGuard)
  await app.register(bodyParser)
  await app.register(metricsPlugin, { metrics })
  await app.register(swagger, { config })
  await app.register(redis, { config })
  await app.register(services, { config, store: opts.store, metrics })
  await app.register(rateLimit, { config })
  await app.register(auth, { config })

  await app.register(loginRoutes)
  await app.register(sessionRoutes)
  await app.register(logoutRoutes)
  await app.register(meRoutes)
  await app.register(videoRoutes)
  await app.register(webhookRoutes)
  await app.register(scopesRoutes)
  await app.register(healthRoutes)
  await app.register(internalRoutes)
  if (opts.demo === true) await app.register(demoRoutes, { config })
  return app
}
