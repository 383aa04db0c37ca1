import t from 'tap'
import { auth, build, login } from '../helper.js'

// Every kind of TikTok answer on /me reaches the caller as the service's error envelope, the
// session survives TikTok's bad day, and the service recovers as soon as TikTok does.

t.test('TikTok faults on user info map to 5xx/429 envelopes and keep the session', async (t) => {
  const ctx = await build(t, { env: { TIKTOK_TIMEOUT_MS: '400' } })
  const { token } = await login(ctx)
  const c = ctx.emulator.controls
  const cases: Array<[string, () => void, number, string]> = [
    ['HTTP 500 with HTML', () => c.forceNext('user_info', { status: 500, raw: '<html>oops</html>', contentType: 'text/html' }), 502, 'upstream_error'],
    ['HTTP 503 JSON', () => c.forceNext('user_info', { status: 503, body: { error: { code: 'internal_error', message: '', log_id: 'x' } } }), 502, 'upstream_error'],
    ['malformed JSON on 200', () => c.forceNext('user_info', { status: 200, raw: '{"data":' }), 502, 'upstream_error'],
    ['a 200 that carries an error', () => c.forceNext('user_info', { status: 200, body: { data: {}, error: { code: 'internal_error', message: 'boom', log_id: '20261125000000ABCDEF0123456789ABCDEF' } } }), 502, 'upstream_error'],
    ['unexpected JSON shape', () => c.forceNext('user_info', { status: 200, body: { hello: 'world' } }), 502, 'upstream_error'],
    ['connection reset', () => c.forceNext('user_info', { reset: true }), 502, 'upstream_error'],
    ['slower than TIKTOK_TIMEOUT_MS', () => c.setDelay('user_info', 2000), 504, 'upstream_timeout']
  ]
  for (const [name, inject, status, code] of cases) {
    inject()
    const res = await ctx.app.inject({ url: '/me', headers: auth(token) })
    c.setDelay('user_info', 0)
    t.equal(res.statusCode, status, name)
    t.equal(res.json().error.code, code, name)
    t.same(res.json().data, {}, name)
    t.notMatch(res.body, /act\.|rft\./, `${name}: no token in the answer`)
    const again = await ctx.app.inject({ url: '/me', headers: auth(token) })
    t.equal(again.statusCode, 200, `${name}: recovered, session intact`)
  }
})

t.test('TikTok\'s 429 (only x-ratelimit-reset) becomes a 429 with Retry-After', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  const reset = Math.floor(Date.now() / 1000) + 30
  ctx.emulator.controls.forceNext('user_info', { status: 429, headers: { 'x-ratelimit-reset': String(reset) }, body: { data: {}, error: { code: 'rate_limit_exceeded', message: 'slow down', log_id: '20261125000000ABCDEF0123456789ABCDEF' } } })
  const res = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(res.statusCode, 429)
  t.equal(res.json().error.code, 'rate_limit_exceeded')
  const retry = Number(res.headers['retry-after'])
  t.ok(retry >= 1 && retry <= 31, `Retry-After ${retry} follows TikTok's reset`)
})

t.test('the access token is refreshed lazily when due, and TikTok\'s expires_in is honoured', async (t) => {
  const ctx = await build(t)
  ctx.emulator.controls.setAccessTokenTtl(2) // refresh window: min(60 s, 2 s / 4) = 0.5 s
  const { token } = await login(ctx)
  const first = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(first.statusCode, 200)
  t.equal(ctx.emulator.controls.counts.token_refresh, 0, 'not due yet: no refresh')
  await new Promise((resolve) => setTimeout(resolve, 1600))
  const second = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(second.statusCode, 200)
  t.equal(ctx.emulator.controls.counts.token_refresh, 1, 'refreshed once, lazily')
})

t.test('access_token_invalid before the recorded expiry: refresh once, retry once', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  ctx.emulator.controls.expireAccessTokens()
  const res = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(res.statusCode, 200)
  t.equal(ctx.emulator.controls.counts.token_refresh, 1)
  t.equal(ctx.emulator.controls.counts.user_info, 2, 'the call was retried once')
})

t.test('TikTok refuses the refresh token: session deleted, 401, no second attempt', async (t) => {
  const ctx = await build(t)
  const { token, session } = await login(ctx)
  ctx.emulator.controls.revokeUser(session.open_id)
  const res = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(res.statusCode, 401)
  t.equal(res.json().error.code, 'access_token_invalid')
  t.equal(ctx.emulator.controls.counts.token, 2, 'one code exchange and one refresh attempt, no more')
  const again = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(again.statusCode, 401)
  t.equal(ctx.emulator.controls.counts.token, 2, 'the session is gone: TikTok is not asked again')
  t.same((await ctx.keys()).filter((k) => k.includes(':s:')), [], 'the session record was deleted')
})

t.test('a failing token endpoint during a refresh is 502/504 and the session survives', async (t) => {
  const ctx = await build(t, { env: { TIKTOK_TIMEOUT_MS: '400' } })
  const { token } = await login(ctx)
  ctx.emulator.controls.expireAccessTokens()
  ctx.emulator.controls.forceNext('token', { status: 500, raw: 'down' })
  const a = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(a.statusCode, 502)
  ctx.emulator.controls.forceNext('token', { status: 200, body: { error: 'temporarily_unavailable', error_description: 'try later' } })
  const b = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(b.statusCode, 502)
  ctx.emulator.controls.setDelay('token', 2000)
  const c = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(c.statusCode, 504)
  ctx.emulator.controls.setDelay('token', 0)
  const d = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(d.statusCode, 200, 'recovered with the same session')
})
