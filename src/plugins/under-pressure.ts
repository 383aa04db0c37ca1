import { getHeapStatistics } from 'node:v8'
import fp from 'fastify-plugin'
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors.js'

// The overload guard (contract §2): when the event loop lags more than a second on average
// over a sample, or the heap is close to V8's limit, requests answer 503 service_unavailable
// with Retry-After (the error handler writes the envelope with the request's log_id) instead
// of piling up until the process falls over. Both thresholds are far above what tests and
// benchmarks reach: only a process that is really stuck or about to run out of memory trips.
//
// And the shutdown guard: once the app is closing, a request that still arrives on a
// kept-alive connection answers the same envelope (Fastify's own return503OnClosing body is
// not the envelope, so app.ts turns it off), and every response carries `Connection: close`,
// so the connections of in-flight requests end with them and close() does not wait for the
// clients' keep-alive timeouts.

export const MAX_EVENT_LOOP_DELAY_MS = 1000
/** "Near its limit": the share of V8's heap limit (--max-old-space-size, cgroup) in use. */
export const HEAP_USED_RATIO = 0.95
export const RETRY_AFTER_SECONDS = 5

// Liveness must stay 200 while the process runs (an overloaded process is alive; restarting
// it loses in-flight work), and metrics must stay readable to show the overload.
const EXEMPT_ROUTES = new Set(['/health/live', '/metrics'])

const SHUTDOWN_RETRY_AFTER_SECONDS = 1

class Overloaded extends AppError {
  constructor () {
    super('service_unavailable', 'The service is overloaded; retry shortly.', { retryAfter: RETRY_AFTER_SECONDS })
  }
}

export function underPressureOptions (): FastifyUnderPressureOptions {
  return {
    maxEventLoopDelay: MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: Math.floor(getHeapStatistics().heap_size_limit * HEAP_USED_RATIO),
    retryAfter: RETRY_AFTER_SECONDS,
    customError: Overloaded
  }
}

export default fp(async function overloadGuard (app: FastifyInstance) {
  // A per-route pressureHandler that returns nothing lets the request through.
  app.addHook('onRoute', (route) => {
    if (EXEMPT_ROUTES.has(route.url)) route.config = { ...route.config, pressureHandler: () => undefined }
  })
  await app.register(underPressure, underPressureOptions())

  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onRequest', (_request, _reply, done) => {
    if (closing) done(new AppError('service_unavailable', 'The service is shutting down; retry shortly.', { retryAfter: SHUTDOWN_RETRY_AFTER_SECONDS }))
    else done()
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'under-pressure', dependencies: ['error-handler'] })

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Read by @fastify/under-pressure per route (its types do not declare it). */
    pressureHandler?: FastifyUnderPressureOptions['pressureHandler']
  }
}
