import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'
import { LOG_ID_PATTERN } from '../../src/envelope.js'
import { startRedisServer } from '../support/redis-server.js'

// Readiness follows the store: a private redis-server is stopped, restarted, frozen and
// thawed under one running app, which is never restarted.

/** Polls GET /health/ready until it answers `want` (bounded: 60 × 250 ms). */
async function readyUntil (app: FastifyInstance, want: number) {
  let res = await app.inject({ url: '/health/ready' })
  for (let i = 0; i < 60 && res.statusCode !== want; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    res = await app.inject({ url: '/health/ready' })
  }
  return res
}

t.test('live is 200; ready is 200 with the store, 503 without it, and 200 again by itself', async (t) => {
  const redis = await startRedisServer(t)
  const ctx = await build(t, { env: { REDIS_URL: redis.url } })
  const { app } = ctx

  const live = await app.inject({ url: '/health/live' })
  t.equal(live.statusCode, 200)
  t.same(live.json().data, { status: 'live' })
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json().data, { status: 'ready' })
  t.equal(ready.json().error.code, 'ok')

  await redis.stop()
  const down = await readyUntil(app, 503)
  t.equal(down.statusCode, 503, 'not ready while the store is gone')
  t.same(down.json().data, {})
  t.equal(down.json().error.code, 'service_unavailable')
  t.match(down.json().error.log_id, LOG_ID_PATTERN)
  t.ok(down.headers['retry-after'], 'Retry-After is set')
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200, 'still alive without the store')

  await redis.start()
  const back = await readyUntil(app, 200)
  t.equal(back.statusCode, 200, 'ready again once the store is back, with no restart')
})

t.test('a frozen store (SIGSTOP) makes readiness 503 within its budget; thawed, 200 again', async (t) => {
  const redis = await startRedisServer(t)
  const ctx = await build(t, { env: { REDIS_URL: redis.url } })
  const { app } = ctx
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200)

  redis.pause()
  const frozen = await app.inject({ url: '/health/ready' })
  t.equal(frozen.statusCode, 503, 'the first probe after the freeze already fails (PING budget)')
  t.equal(frozen.json().error.code, 'service_unavailable')
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200)

  redis.resume()
  const back = await readyUntil(app, 200)
  t.equal(back.statusCode, 200)
})
