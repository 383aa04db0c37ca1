import fp from 'fastify-plugin'
import '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import { Counter, Registry, collectDefaultMetrics, type Metric } from 'prom-client'
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

type HttpLabel = 'method' | 'route' | 'status_code'

/** One label set of a SeriesHistogram: bucket counts (not cumulative), sum and count. */
interface Series<L extends string> { readonly labels: Readonly<Record<L, string>>, readonly counts: number[], sum: number, count: number }

/**
 * A histogram for the series observed on every request. prom-client's own observe() hashes
 * the label set and turns the bucket's bound into a property name on every call (the heaviest
 * library in /me's CPU profile, bench/profile.ts); here the caller keeps the Series of each
 * label set, so an observation is a search through the bounds and three additions. The
 * registry reads it at scrape time through prom-client's metric interface (name, help, type,
 * get()), so the exposition is prom-client's own.
 */
export class SeriesHistogram<L extends string> {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly all = new Map<string, Series<L>>()

  constructor (readonly name: string, readonly help: string, private readonly bounds: readonly number[], registry: Registry) {
    // prom-client's Registry takes any object with its metric interface; its type lists only
    // prom-client's own classes.
    registry.registerMetric(this as unknown as Metric)
  }

  /** The series of one label set, made on first use; `key` names the label set. */
  series (key: string, labels: () => Record<L, string>): Series<L> {
    let s = this.all.get(key)
    if (s === undefined) this.all.set(key, s = { labels: labels(), counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 })
    return s
  }

  observe (s: Series<L>, value: number): void {
    let i = 0
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++
    s.counts[i] = (s.counts[i] as number) + 1
    s.sum += value
    s.count++
  }

  /** Every series: for counters derived from this histogram. */
  each (): IterableIterator<Series<L>> {
    return this.all.values()
  }

  reset (): void {
    this.all.clear()
  }

  async get (): Promise<{ name: string, help: string, type: 'histogram', aggregator: 'sum', values: Array<{ metricName: string, labels: Record<string, string | number>, value: number }> }> {
    const values = []
    for (const s of this.all.values()) {
      let cumulative = 0
      for (let i = 0; i < s.counts.length; i++) {
        cumulative += s.counts[i] as number
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: this.bounds[i] ?? '+Inf' }, value: cumulative })
      }
      values.push({ metricName: `${this.name}_sum`, labels: { ...s.labels }, value: s.sum })
      values.push({ metricName: `${this.name}_count`, labels: { ...s.labels }, value: s.count })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }
}

export function createMetrics (): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const httpDuration = new SeriesHistogram<HttpLabel>('http_request_duration_seconds', 'HTTP request duration', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registry)
  const tiktokDuration = new SeriesHistogram<'endpoint'>('tiktok_request_duration_seconds', 'Duration of calls to TikTok', [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registry)
  // Counted per call here, copied into prom-client's counters at scrape time.
  const tiktokCalls = new Map<string, { labels: { endpoint: TikTokEndpoint, outcome: CallOutcome }, n: number }>()

  // The request count is the histogram's, copied at scrape time: one observation per request.
  // eslint-disable-next-line no-new -- registered in `registry`, read through it
  new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry],
    collect () {
      this.reset()
      for (const s of httpDuration.each()) this.inc(s.labels, s.count)
    }
  })
  // eslint-disable-next-line no-new -- registered in `registry`, read through it
  new Counter({
    name: 'tiktok_requests_total',
    help: 'Calls to TikTok',
    labelNames: ['endpoint', 'outcome'],
    registers: [registry],
    collect () {
      this.reset()
      for (const c of tiktokCalls.values()) this.inc(c.labels, c.n)
    }
  })
  const refreshes = new Counter({ name: 'tiktok_token_refreshes_total', help: 'TikTok token refreshes by outcome (reused: another request or instance refreshed)', labelNames: ['outcome'], registers: [registry] })
  const webhooks = new Counter({ name: 'tiktok_webhooks_total', help: 'TikTok webhook deliveries by event and outcome (refused: not signed, stale or for another app)', labelNames: ['event', 'outcome'], registers: [registry] })
  const storeErrors = new Counter({ name: 'session_store_errors_total', help: 'Failed session store operations', labelNames: ['operation'], registers: [registry] })

  // Series are made once per label set: the set is bounded (methods Node's parser accepts ×
  // route patterns × status codes; endpoints × outcomes).
  return {
    registry,
    tiktokCall (endpoint, outcome, seconds) {
      const key = `${endpoint} ${outcome}`
      let c = tiktokCalls.get(key)
      if (c === undefined) tiktokCalls.set(key, c = { labels: { endpoint, outcome }, n: 0 })
      c.n++
      tiktokDuration.observe(tiktokDuration.series(endpoint, () => ({ endpoint })), seconds)
    },
    refresh (outcome) { refreshes.inc({ outcome }) },
    webhook (event, outcome) { webhooks.inc({ event, outcome }) },
    storeError (operation) { storeErrors.inc({ operation }) },
    observeHttp (method, route, statusCode, seconds) {
      const s = httpDuration.series(`${method} ${statusCode} ${route}`, () => ({ method, route, status_code: String(statusCode) }))
      httpDuration.observe(s, seconds)
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
