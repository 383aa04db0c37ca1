import fp from 'fastify-plugin'
import '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { SessionStore } from '../session/store.js'
import { StoreError } from '../session/record.js'
import type { CallOutcome } from '../tiktok/client.js'
import type { TikTokEndpoint } from '../tiktok/errors.js'
import type { RefreshOutcome } from '../services/refresh.js'

// Prometheus metrics (contract §4 Operations). Labels are route patterns and fixed values,
// never a raw URL, token or code. One registry per app, so tests can run several apps.

export interface Metrics {
  registry: Registry
  tiktokCall: (endpoint: TikTokEndpoint, outcome: CallOutcome, seconds: number) => void
  refresh: (outcome: RefreshOutcome) => void
  instrumentStore: (store: SessionStore) => SessionStore
  observeHttp: (labels: { method: string, route: string, status_code: string }, seconds: number) => void
}

export function createMetrics (): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const httpTotal = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status_code'], registers: [registry] })
  const httpDuration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status_code'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] })
  const tiktokTotal = new Counter({ name: 'tiktok_requests_total', help: 'Calls to TikTok', labelNames: ['endpoint', 'outcome'], registers: [registry] })
  const tiktokDuration = new Histogram({ name: 'tiktok_request_duration_seconds', help: 'Duration of calls to TikTok', labelNames: ['endpoint'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] })
  const refreshes = new Counter({ name: 'tiktok_token_refreshes_total', help: 'TikTok token refreshes by outcome (reused: another request or instance refreshed)', labelNames: ['outcome'], registers: [registry] })
  const storeErrors = new Counter({ name: 'session_store_errors_total', help: 'Failed session store operations', labelNames: ['operation'], registers: [registry] })

  return {
    registry,
    tiktokCall (endpoint, outcome, seconds) {
      tiktokTotal.inc({ endpoint, outcome })
      tiktokDuration.observe({ endpoint }, seconds)
    },
    refresh (outcome) { refreshes.inc({ outcome }) },
    instrumentStore (store) {
      const wrapped = {} as Record<string, unknown>
      for (const [name, fn] of Object.entries(store) as Array<[string, (...a: unknown[]) => Promise<unknown>]>) {
        wrapped[name] = (...args: unknown[]) => fn(...args).catch((err: unknown) => {
          if (err instanceof StoreError) storeErrors.inc({ operation: err.operation })
          throw err
        })
      }
      return wrapped as unknown as SessionStore
    },
    observeHttp (labels, seconds) {
      httpTotal.inc(labels)
      httpDuration.observe(labels, seconds)
    }
  }
}

export default fp(async function metricsPlugin (app: FastifyInstance, opts: { metrics: Metrics }) {
  const m = opts.metrics
  app.addHook('onResponse', (request, reply, done) => {
    m.observeHttp({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
    done()
  })
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(m.registry.contentType)
    return await m.registry.metrics()
  })
}, { name: 'metrics' })
