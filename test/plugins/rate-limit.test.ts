import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { once } from 'node:events'
import t from 'tap'
import { Redis } from 'ioredis'
import { REDIS_URL, auth, build, captureLogs, login, type Ctx } from '../helper.js'
import { createRedisLimitStore } from '../../src/plugins/rate-limit.js'
import { digest } from '../../src/session/keys.js'

// Rate limits per route group (auth, /me, internal: src/plugins/rate-limit.ts), counted in the
// real Redis, and TikTok's own 429.

type T = Parameters<Parameters<typeof t.test>[0]>[0]

const REPORTS = 'internal-secret-0123456789abcdef'
const BILLING = 'billing-secret-fedcba9876543210'

const rlKeys = async (ctx: Ctx): Promise<string[]> => (await ctx.keys()).filter((k) => k.startsWith(`${ctx.config.store.keyPrefix}rl:`))
const badLogin = (ctx: Ctx, remoteAddress = '127.0.0.1') =>
  ctx.app.inject({ url: '/auth/tiktok/login?redirect_uri=https://nope.example/cb&code_challenge=x', remoteAddress })

function isLimited (t: T, res: Awaited<ReturnType<Ctx['app']['inject']>>): void {
  t.equal(res.statusCode, 429)
  t.equal(res.json().error.code, 'rate_limit_exceeded')
  t.same(res.json().data, {})
  t.equal(res.headers['x-log-id'], res.json().error.log_id)
  const retry = Number(res.headers['retry-after'])
  t.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After is 1..60 s (${String(res.headers['retry-after'])})`)
}

t.test('auth: per client address and route; a hit is a 429 envelope; counters carry a TTL', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_AUTH_PER_MINUTE: '3' } })
  for (let i = 0; i < 3; i++) t.equal((await badLogin(ctx)).statusCode, 400, 'within the limit: the route answers')
  isLimited(t, await badLogin(ctx))
  t.equal((await badLogin(ctx, '10.0.0.7')).statusCode, 400, 'another address has its own budget')
  const other = await ctx.app.inject({ method: 'POST', url: '/auth/session', payload: { code: 'x', code_verifier: 'y'.repeat(43) } })
  t.equal(other.statusCode, 400, 'another route has its own budget')
  t.equal(other.headers['x-ratelimit-limit'], '3')

  const keys = await rlKeys(ctx)
  t.ok(keys.length >= 3, 'counters live under the key prefix')
  for (const key of keys) {
    const ttl = await ctx.redis.pttl(key)
    t.ok(ttl > 0 && ttl <= 60_000, `${key} has a TTL of at most a minute`)
  }
})

t.test('0 turns a limit off; /me is off by default', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_AUTH_PER_MINUTE: '0' } })
  const { token } = await login(ctx)
  const res = await badLogin(ctx)
  t.equal(res.statusCode, 400)
  t.notOk(res.headers['x-ratelimit-limit'], 'no limit on /auth/*')
  const me = await ctx.app.inject({ url: '/me?fields=open_id', headers: auth(token) })
  t.equal(me.statusCode, 200)
  t.notOk(me.headers['x-ratelimit-limit'], 'no limit on /me')
  t.same(await rlKeys(ctx), [], 'no counter written')
})

t.test('me: per session, keyed by the token\'s digest; refused requests never reach TikTok', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_ME_PER_MINUTE: '2' } })
  const a = await login(ctx)
  const b = await login(ctx)
  for (let i = 0; i < 2; i++) t.equal((await ctx.app.inject({ url: '/me', headers: auth(a.token) })).statusCode, 200)
  const calls = ctx.emulator.controls.counts.user_info
  isLimited(t, await ctx.app.inject({ url: '/me', headers: auth(a.token) }))
  t.equal(ctx.emulator.controls.counts.user_info, calls, 'TikTok was not asked')
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(b.token) })).statusCode, 200, 'another session of the same user has its own budget')

  const keys = await rlKeys(ctx)
  t.ok(keys.some((k) => k.includes(digest(a.token))), 'the counter is named by the digest')
  t.notOk(keys.some((k) => k.includes(a.token) || k.includes(b.token)), 'never by the token')
})

t.test('internal: per key name, across /internal/*', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_INTERNAL_PER_MINUTE: '2', INTERNAL_API_KEYS: `reports:${REPORTS},billing:${BILLING}` } })
  const { token, session } = await login(ctx)
  t.equal((await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(REPORTS), payload: { token } })).statusCode, 200)
  t.equal((await ctx.app.inject({ url: `/internal/users/${session.open_id}`, headers: auth(REPORTS) })).statusCode, 200)
  isLimited(t, await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(REPORTS), payload: { token } }))
  t.equal((await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(BILLING), payload: { token } })).statusCode, 200, 'another key has its own budget')
  const keys = await rlKeys(ctx)
  t.ok(keys.some((k) => k.endsWith('internal:reports')), 'named by the key\'s name')
  t.notOk(keys.some((k) => k.includes(REPORTS) || k.includes(BILLING)), 'never by its secret')
})

t.test('with the in-process store the plugin\'s local store counts', async (t) => {
  const ctx = await build(t, { env: { REDIS_URL: undefined, RATE_LIMIT_AUTH_PER_MINUTE: '2' } })
  for (let i = 0; i < 2; i++) t.equal((await badLogin(ctx)).statusCode, 400)
  isLimited(t, await badLogin(ctx))
  t.same(await rlKeys(ctx), [], 'nothing in Redis')
})

t.test('TikTok\'s own 429 is a 429 with Retry-After, from x-ratelimit-reset or Retry-After', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  const envelope = { data: {}, error: { code: 'rate_limit_exceeded', message: 'Too many requests.', log_id: '20261124093011A1B2C3D4E5F6A7B8C9D0E1' } }
  ctx.emulator.controls.forceNext('user_info', { status: 429, headers: { 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 30) }, body: envelope })
  const reset = await ctx.app.inject({ url: '/me', headers: auth(token) })
  isLimited(t, reset)
  t.ok(Math.abs(Number(reset.headers['retry-after']) - 30) <= 2, 'Retry-After from x-ratelimit-reset')
  t.ok(reset.headers['x-tiktok-log-id'], 'TikTok\'s log_id is passed on')

  ctx.emulator.controls.forceNext('user_info', { status: 429, headers: { 'retry-after': '7' }, body: envelope })
  const retry = await ctx.app.inject({ url: '/me', headers: auth(token) })
  isLimited(t, retry)
  t.equal(retry.headers['retry-after'], '7')

  ctx.emulator.controls.forceNext('user_info', { status: 429, raw: 'slow down' })
  isLimited(t, await ctx.app.inject({ url: '/me', headers: auth(token) }))
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 200, 'the session survives')
})

/** A TCP proxy to the real Redis that can freeze: commands are held, unanswered, until thawed. */
async function freezableRedis (t: T): Promise<{ url: string, freeze (): void, thaw (): void }> {
  const target = new URL(REDIS_URL)
  const clients = new Set<net.Socket>()
  let frozen = false
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname)
    clients.add(client)
    if (frozen) client.pause()
    client.pipe(upstream).pipe(client)
    const end = (): void => { client.destroy(); upstream.destroy(); clients.delete(client) }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { for (const c of clients) c.destroy(); server.close() })
  const { port } = server.address() as net.AddressInfo
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze: () => { frozen = true; for (const c of clients) c.pause() },
    thaw: () => { frozen = false; for (const c of clients) c.resume() }
  }
}

t.test('a failing Redis skips the limit, and after one failure the limiter stops waiting on it', async (t) => {
  const proxy = await freezableRedis(t)
  const redis = new Redis(proxy.url, { commandTimeout: 300, enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true })
  await redis.connect()
  t.teardown(() => { redis.disconnect() })
  const captured = captureLogs()
  const messages = (): string[] => captured.lines.map((l) => (JSON.parse(l) as { msg: string }).msg)
  const prefix = `bff-test:${randomBytes(6).toString('hex')}:rl:`
  const Store = createRedisLimitStore(redis, prefix, captured.logger)
  const store = new Store({})
  t.teardown(async () => {
    const direct = new Redis(REDIS_URL)
    await direct.del(`${prefix}k`).finally(() => direct.disconnect())
  })
  const incr = (): Promise<{ err: Error | null, current?: number }> => new Promise((resolve) => {
    store.incr('k', (err, res) => { resolve({ err, current: res?.current }) }, 60_000, 10)
  })

  t.same(await incr(), { err: null, current: 1 }, 'a healthy Redis counts')
  proxy.freeze()
  const first = await incr()
  t.ok(first.err, 'a frozen Redis fails the first check (after its command timeout)')
  let answered = false
  store.incr('k', (err) => { answered = err !== null }, 60_000, 10)
  t.ok(answered, 'the next check is skipped at once: no second wait on the frozen Redis')
  t.same(messages(), ['rate-limit store failed: limits skipped until it answers'])

  proxy.thaw()
  let current: number | undefined
  for (let i = 0; i < 100 && current === undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const res = await incr()
    current = res.err === null ? res.current : undefined
  }
  t.ok(current !== undefined && current > 1, 'once Redis answers a probe, limits count again')
  t.same(messages(), ['rate-limit store failed: limits skipped until it answers', 'rate-limit store answers again: limits enforced'])
})

t.test('the app over a frozen Redis: 503 from the store, never 429 or 500; limits return with Redis', async (t) => {
  const proxy = await freezableRedis(t)
  const ctx = await build(t, { env: { REDIS_URL: proxy.url, REDIS_COMMAND_TIMEOUT_MS: '300', RATE_LIMIT_ME_PER_MINUTE: '3' } })
  const { token } = await login(ctx)
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 200)
  proxy.freeze()
  for (let i = 0; i < 4; i++) {
    const res = await ctx.app.inject({ url: '/me', headers: auth(token) })
    t.equal(res.statusCode, 503)
    t.equal(res.json().error.code, 'service_unavailable')
  }
  proxy.thaw()
  let status = 0
  for (let i = 0; i < 100 && status !== 429; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    status = (await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode
  }
  t.equal(status, 429, 'the per-session limit is enforced again once Redis answers')
})
