import { getHeapStatistics } from 'node:v8'
import fp from 'fastify-plugin'
import underPressure, { TYPE_EVENT_LOOP_DELAY, type FastifyUnderPressureOptions } from '@fastify/under-pressure'
import type { FastifyInstance } from 'fastify'
import { Errors } from '../errors.js'

// The overload guard: when the event loop lags more than a second on average
// over a sample, or the heap is close to V8's limit, requests answer 503 service_unavailable
// with Retry-After (the error handler writes the envelope with the request's log_id) instead
// of piling up until the process falls over. Both thresholds are far above what tests and
// benchmarks reach: only a process that is really stuck or about to run out of memory trips.
//
export const MAX_EVENT_LOOP_DELAY_MS = 1000
/** "Near its limit": the share of V8's heap limit (--max-old-space-size, cgroup) in use. */
export const HEAP_USED_RATIO = 0.95
export const RETRY_AFTER_SECONDS = 5
/**
 * Event-loop delay measured while the app was starting (module loading, schema compilation,
 * on a busy machine over a second) is not load: the guard's sample that holds it is in effect
 * until at most two sample intervals (1 s each) after the app is ready, so the delay test
 * starts then. The heap test applies from the start.
 */
export const STARTUP_GRACE_MS = 2000

// Liveness must stay 200 while the process runs (an overloaded process is alive; restarting
// it loses in-flight work), and metrics must stay readable to show the overload.
const EXEMPT_ROUTES = new Set(['/health/live', '/metrics'])

/** `readyAt`: when the app became ready (undefined before), for the start-up grace. */
export function underPressureOptions (readyAt: () => number | undefined = () => 0): FastifyUnderPressureOptions {
  return {
    maxEventLoopDelay: MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: Math.floor(getHeapStatistics().heap_size_limit * HEAP_USED_RATIO),
    retryAfter: RETRY_AFTER_SECONDS,
    // Nothing lets the request through; a rejection answers the Overloaded envelope through
    // the error handler (with Retry-After). Event-loop delay measured during start-up passes.
    pressureHandler: async (_request, _reply, type) => {
      const ready = readyAt()
      if (type === TYPE_EVENT_LOOP_DELAY && (ready === undefined || Date.now() < ready + STARTUP_GRACE_MS)) return
      throw Errors.overloaded()
    }
  }
}

export default fp(async function overloadGuard (app: FastifyInstance) {
  // A per-route pressureHandler that returns nothing lets the request through.
  app.addHook('onRoute', (route) => {
    if (EXEMPT_ROUTES.has(route.url)) route.config = { ...route.config, pressureHandler: () => undefined }
  })
  let readyAt: number | undefined
  app.addHook('onReady', (done) => { readyAt = Date.now(); done() })
  await app.register(underPressure, underPressureOptions(() => readyAt))
}, { name: 'under-pressure', dependencies: ['error-handler'] })

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Read by @fastify/under-pressure per route (its types do not declare it). */
    pressureHandler?: FastifyUnderPressureOptions['pressureHandler']
  }
}
