import { getHeapStatistics } from 'node:v8'
import t from 'tap'
import { auth, build, login } from '../helper.js'
import { LOG_ID_PATTERN } from '../../src/envelope.js'
import Fastify from 'fastify'
import errorHandler from '../../src/plugins/error-handler.js'
import overloadGuard, { HEAP_USED_RATIO, MAX_EVENT_LOOP_DELAY_MS, STARTUP_GRACE_MS, underPressureOptions } from '../../src/plugins/under-pressure.js'

// The overload guard with its production thresholds: a real stall of the event loop (busy
// blocks longer than the 1 s threshold, several in a row so that a whole sample is slow)
// trips it; ordinary concurrent traffic does not.

function busy (ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) { /* a stuck handler */ }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

t.test('the production thresholds: 1 s of event-loop delay, the heap near V8\'s limit', async (t) => {
  const opts = underPressureOptions()
  t.equal(opts.maxEventLoopDelay, 1000)
  t.equal(MAX_EVENT_LOOP_DELAY_MS, 1000)
  const limit = getHeapStatistics().heap_size_limit
  t.ok(HEAP_USED_RATIO >= 0.9 && HEAP_USED_RATIO < 1, 'near the limit, below it')
  t.equal(opts.maxHeapUsedBytes, Math.floor(limit * HEAP_USED_RATIO))
  t.ok((opts.maxHeapUsedBytes ?? 0) > process.memoryUsage().heapUsed * 4, 'far above what a test process uses')
})

t.test('a stalled event loop answers 503 service_unavailable envelopes with Retry-After; liveness stays 200; it recovers', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  // Past the start-up grace (the next test): from here on, a slow loop is load.
  await new Promise((resolve) => setTimeout(resolve, STARTUP_GRACE_MS))
  // Three stalls of 1.2 s with only a turn of the loop between them: every sample the guard
  // takes meanwhile averages over a second of delay.
  for (let i = 0; i < 3; i++) {
    busy(MAX_EVENT_LOOP_DELAY_MS * 1.2)
    await tick()
  }
  const me = await ctx.app.inject({ url: '/me', headers: auth(token) })
  const live = await ctx.app.inject({ url: '/health/live' })
  const metrics = await ctx.app.inject({ url: '/metrics' })
  t.equal(me.statusCode, 503)
  const body = me.json()
  t.same(body.data, {})
  t.equal(body.error.code, 'service_unavailable')
  t.match(body.error.log_id, LOG_ID_PATTERN)
  t.equal(me.headers['x-log-id'], body.error.log_id)
  t.equal(me.headers['retry-after'], '5')
  t.equal(live.statusCode, 200, 'an overloaded process is still alive')
  t.equal(metrics.statusCode, 200, 'metrics stay readable')
  t.ok(ctx.logs.some((l) => l.includes(body.error.log_id) && l.includes('"status":503')), 'the refusal is logged under its log_id')

  // With the loop idle again, the next samples are fast: bounded wait for the guard to lift.
  let status = 0
  for (let i = 0; i < 40 && status !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    status = (await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode
  }
  t.equal(status, 200, 'recovers by itself')
})

t.test('a slow start-up (over a second of blocked loop before ready) does not refuse the first requests', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(errorHandler)
  await app.register(overloadGuard)
  // Schema compilation and module loading on a busy machine: the loop blocked before ready.
  await app.register(async () => { busy(MAX_EVENT_LOOP_DELAY_MS * 1.5) })
  app.get('/work', async () => ({ ok: true }))
  await app.ready()
  // The guard's first sample holds the start-up stall; requests right after ready still pass.
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal((await app.inject({ url: '/work' })).statusCode, 200, 'just after ready')
  await new Promise((resolve) => setTimeout(resolve, 900))
  t.equal((await app.inject({ url: '/work' })).statusCode, 200, 'a second after ready')
})

t.test('ordinary concurrent traffic never trips it', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const address = ctx.app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const statuses = new Map<number, number>()
  // 10 rounds of 50 concurrent /me over real HTTP, spanning several of the guard's samples.
  for (let round = 0; round < 10; round++) {
    const answers = await Promise.all(Array.from({ length: 50 }, () =>
      fetch(`http://127.0.0.1:${port}/me`, { headers: auth(token) }).then(async (r) => { await r.arrayBuffer(); return r.status })))
    for (const s of answers) statuses.set(s, (statuses.get(s) ?? 0) + 1)
  }
  t.same([...statuses.entries()], [[200, 500]], 'all 500 answered 200')
})
