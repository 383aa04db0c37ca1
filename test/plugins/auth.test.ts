import t from 'tap'
import { auth, build, login, type Ctx } from '../helper.js'

// Credentials are checked before a route's own limit counts, and refused ones are throttled per
// client address (RATE_LIMIT_AUTH_PER_MINUTE) with one counter per address, never per guess.
// The client address comes from X-Forwarded-For only through the proxies TRUST_PROXY names.

const REPORTS = 'internal-secret-0123456789abcdef'
const guess = (i: number): string => `guessed-token-${i}-${'x'.repeat(40)}`

const dataAndCounters = async (ctx: Ctx): Promise<{ data: string[], counters: string[] }> => {
  const keys = await ctx.keys()
  const rl = `${ctx.config.store.keyPrefix}rl:`
  return { data: keys.filter((k) => !k.startsWith(rl)), counters: keys.filter((k) => k.startsWith(rl)) }
}

t.test('guessed bearers: 401 up to the limit, then 429 from that address; one counter, nothing per guess', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_AUTH_PER_MINUTE: '5', RATE_LIMIT_ME_PER_MINUTE: '100' } })
  const { token } = await login(ctx)
  const before = await dataAndCounters(ctx)
  const statuses: number[] = []
  for (let i = 0; i < 6; i++) statuses.push((await ctx.app.inject({ url: '/me', headers: auth(guess(i)), remoteAddress: '203.0.113.9' })).statusCode)
  t.same(statuses, [401, 401, 401, 401, 401, 429], 'the sixth guess from one address is a 429')
  const limited = await ctx.app.inject({ url: '/me', headers: auth(guess(7)), remoteAddress: '203.0.113.9' })
  t.equal(limited.json().error.code, 'rate_limit_exceeded')
  t.ok(Number(limited.headers['retry-after']) >= 1, 'with Retry-After')

  const after = await dataAndCounters(ctx)
  t.same(after.data, before.data, 'no data key was written for any guess')
  t.equal(after.counters.length - before.counters.length, 1, 'one counter for the address')
  t.ok(after.counters.every((k) => !k.includes('guessed-token')), 'never named by a guess')

  t.equal((await ctx.app.inject({ url: '/me?fields=open_id', headers: auth(token), remoteAddress: '203.0.113.9' })).statusCode, 200,
    'a live session from that address is still served: others\' failures never lock a user out')
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(guess(8)), remoteAddress: '198.51.100.4' })).statusCode, 401,
    'another address has its own budget')
})

t.test('/me\'s own limit counts live sessions only: guesses leave it untouched', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_AUTH_PER_MINUTE: '100', RATE_LIMIT_ME_PER_MINUTE: '2' } })
  const { token } = await login(ctx)
  for (let i = 0; i < 5; i++) t.equal((await ctx.app.inject({ url: '/me', headers: auth(guess(i)) })).statusCode, 401)
  const me = await ctx.app.inject({ url: '/me?fields=open_id', headers: auth(token) })
  t.equal(me.statusCode, 200)
  t.equal(me.headers['x-ratelimit-remaining'], '1', 'the session\'s budget was not spent by the guesses')
})

t.test('internal keys: checked (401) before the internal limit counts; guesses throttled per address', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_AUTH_PER_MINUTE: '3', RATE_LIMIT_INTERNAL_PER_MINUTE: '2', INTERNAL_API_KEYS: `reports:${REPORTS}` } })
  const wrong = await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth('wrong-key-0123456789abcdef'), payload: { token: 'x' } })
  t.equal(wrong.statusCode, 401)
  t.notOk(wrong.headers['x-ratelimit-limit'], 'the internal limit did not count a refused key')
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) statuses.push((await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(`wrong-key-${i}-0123456789abcdef`), payload: { token: 'x' } })).statusCode)
  t.same(statuses, [401, 401, 429], 'the fourth wrong key from one address is a 429')
  const right = await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(REPORTS), payload: { token: 'x' } })
  t.equal(right.statusCode, 200, 'the right key still works')
  t.equal(right.headers['x-ratelimit-remaining'], '1', 'and only it counts against the key\'s own limit')
})

const badLogin = (ctx: Ctx, headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
  ctx.app.inject({ url: '/auth/tiktok/login?redirect_uri=https://nope.example/cb&code_challenge=x', headers, remoteAddress })

t.test('TRUST_PROXY unset: X-Forwarded-For is ignored, every request counts against the peer', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_AUTH_PER_MINUTE: '2' } })
  t.equal((await badLogin(ctx, { 'x-forwarded-for': '198.51.100.1' })).statusCode, 400)
  t.equal((await badLogin(ctx, { 'x-forwarded-for': '198.51.100.2' })).statusCode, 400)
  t.equal((await badLogin(ctx, { 'x-forwarded-for': '198.51.100.3' })).statusCode, 429, 'a forged X-Forwarded-For buys no new budget')
})

t.test('TRUST_PROXY naming the proxy: each forwarded client has its own budget', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_AUTH_PER_MINUTE: '2', TRUST_PROXY: '10.0.0.0/8' } })
  const viaProxy = (client: string) => badLogin(ctx, { 'x-forwarded-for': client }, '10.1.2.3')
  t.equal((await viaProxy('198.51.100.1')).statusCode, 400)
  t.equal((await viaProxy('198.51.100.1')).statusCode, 400)
  t.equal((await viaProxy('198.51.100.1')).statusCode, 429, 'one client over its limit')
  t.equal((await viaProxy('198.51.100.2')).statusCode, 400, 'another client behind the same proxy is not')
  const direct = (client: string) => badLogin(ctx, { 'x-forwarded-for': client }, '192.0.2.50')
  t.equal((await direct('198.51.100.9')).statusCode, 400)
  t.equal((await direct('198.51.100.8')).statusCode, 400)
  t.equal((await direct('198.51.100.7')).statusCode, 429, 'a peer that is not a trusted proxy cannot choose its address')
})

t.test('TRUST_PROXY as a hop count', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_AUTH_PER_MINUTE: '1', TRUST_PROXY: '1' } })
  t.equal((await badLogin(ctx, { 'x-forwarded-for': '198.51.100.1' })).statusCode, 400)
  t.equal((await badLogin(ctx, { 'x-forwarded-for': '198.51.100.2' })).statusCode, 400, 'the nearest proxy\'s word is taken')
  t.equal((await badLogin(ctx, { 'x-forwarded-for': '198.51.100.2' })).statusCode, 429)
})
