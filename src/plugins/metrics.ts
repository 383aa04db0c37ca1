import fp from 'fastify-plugin'
import '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { CallOutcome } from '../tiktok/client.js'
import type { TikTokEndpoint } from '../tiktok/errors.js'
import type { RefreshOutcome } from '../services/refresh.js'

// Prometheus metrics (contract §4 Operations). Labels are route patterns and fixed values,
// never a raw URL, token or code. One registry per app, so tests can run several apps.

export interface Metrics {
  registry: Registry
  tiktokCall: (endpoint: TikTokEndpoint, outcome: CallOutcome, seconds: number) => void
  refresh: (outcome: RefreshOutcome) => void
  /** A failed session-store command (the Redis store reports each). */
  storeError: (operation: string) => void
  /** One answered request; `route` is the route pattern (or 'unmatched'), never a raw URL. */
  observeHttp: (method: string, route: string, statusCode: number, seconds: number) => void
}

type HttpLabels = { method: string, route: string, status_code: string }

export function createMetrics (): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const httpDuration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status_code'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] })
  // The request count is the histogram's, copied at scrape time: one observation per request.
  // eslint-disable-next-line no-new -- registered in `registry`, read through it
  new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry],
    async collect () {
      this.reset()
      for (const v of (await httpDuration.get()).values) {
        if (v.metricName === 'http_request_duration_seconds_count') this.inc(v.labels, v.value)
      }
    }
  })
  const tiktokTotal = new Counter({ name: 'tiktok_requests_total', help: 'Calls to TikTok', labelNames: ['endpoint', 'outcome'], registers: [registry] })
  const tiktokDuration = new Histogram({ name: 'tiktok_request_duration_seconds', help: 'Duration of calls to TikTok', labelNames: ['endpoint'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] })
  const refreshes = new Counter({ name: 'tiktok_token_refreshes_total', help: 'TikTok token refreshes by outcome (reused: another request or instance refreshed)', labelNames: ['outcome'], registers: [registry] })
  const storeErrors = new Counter({ name: 'session_store_errors_total', help: 'Failed session store operations', labelNames: ['operation'], registers: [registry] })

  // The label objects of each series, made once: the set is bounded (methods Node's parser
  // accepts × route patterns × status codes), and no per-request object is built.
  const httpSeries = new Map<string, HttpLabels>()
  const tiktokSeries = new Map<string, { endpoint: TikTokEndpoint, outcome: CallOutcome }>()

  return {
    registry,
    tiktokCall (endpoint, outcome, seconds) {
      const key = `${endpoint} ${outcome}`
      let labels = tiktokSeries.get(key)
      if (labels === undefined) tiktokSeries.set(key, labels = { endpoint, outcome })
      tiktokTotal.inc(labels)
      tiktokDuration.observe({ endpoint }, seconds)
    },
    refresh (outcome) { refreshes.inc({ outcome }) },
    storeError (operation) { storeErrors.inc({ operation }) },
    observeHttp (method, route, statusCode, seconds) {
      const key = `${method} ${statusCode} ${route}`
      let labels = httpSeries.get(key)
      if (labels === undefined) httpSeries.set(key, labels = { method, route, status_code: String(statusCode) })
      httpDuration.observe(labels, seconds)
    }
  }
}

/** GET /metrics (hidden from the OpenAPI document). Requests are observed by app.ts's summary hook. */
export default fp(async function metricsPlugin (app: FastifyInstance, opts: { metrics: Metrics }) {
  const m = opts.metrics
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(m.registry.contentType)
    return await m.registry.metrics()
  })
}, { name: 'metrics' })
