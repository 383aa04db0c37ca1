import fp from 'fastify-plugin'
import '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { CallOutcome } from '../tiktok/client.js'
import type { TikTokEndpoint } from '../tiktok/errors.js'
import type { RefreshOutcome } from '../services/refresh.js'
import type { WebhookOutcome } from '../services/webhooks.js'

// Prometheus metrics (README "Operations"). Labels are route patterns and fixed values,
// never a raw URL, token or code. One registry per app, so tests can run several apps.

export interface Metrics {
  registry: Registry
  tiktokCall: (endpoint: TikTokEndpoint, outcome: CallOutcome, seconds: number) => void
  refresh: (outcome: RefreshOutcome) => void
  /** A TikTok webhook delivery and what came of it. */
  webhook: (event: string, outcome: WebhookOutcome) => void
  /** A failed session-store command (the Redis store reports each). */
  storeError: (operation: string) => void
  /** One answered request; `route` is the route pattern (or 'unmatched'), never a raw URL. */
  observeHttp: (method: string, route: string, statusCode: number, seconds: number) => void
}

export function createMetrics (): Metrics {
  const registry = new Registry()
  const registers = [registry]
  collectDefaultMetrics({ register: registry })
  const httpLabels = ['method', 'route', 'status_code'] as const
  const httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames: httpLabels, registers })
  const httpDuration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request duration', labelNames: httpLabels, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers })
  const tiktokCalls = new Counter({ name: 'tiktok_requests_total', help: 'Calls to TikTok', labelNames: ['endpoint', 'outcome'] as const, registers })
  const tiktokDuration = new Histogram({ name: 'tiktok_request_duration_seconds', help: 'Duration of calls to TikTok', labelNames: ['endpoint'] as const, buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers })
  const refreshes = new Counter({ name: 'tiktok_token_refreshes_total', help: 'TikTok token refreshes by outcome (reused: another request or instance refreshed)', labelNames: ['outcome'] as const, registers })
  const webhooks = new Counter({ name: 'tiktok_webhooks_total', help: 'TikTok webhook deliveries by event and outcome (refused: not signed, stale or for another app)', labelNames: ['event', 'outcome'] as const, registers })
  const storeErrors = new Counter({ name: 'session_store_errors_total', help: 'Failed session store operations', labelNames: ['operation'] as const, registers })

  return {
    registry,
    tiktokCall (endpoint, outcome, seconds) {
      tiktokCalls.inc({ endpoint, outcome })
      tiktokDuration.observe({ endpoint }, seconds)
    },
    refresh (outcome) { refreshes.inc({ outcome }) },
    webhook (event, outcome) { webhooks.inc({ event, outcome }) },
    storeError (operation) { storeErrors.inc({ operation }) },
    observeHttp (method, route, statusCode, seconds) {
      const labels = { method, route, status_code: statusCode }
      httpRequests.inc(labels)
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
