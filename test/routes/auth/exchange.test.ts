import t from 'tap'
import { APP_REDIRECT, NATIVE_REDIRECT, auth, build, nativeCode, sdkPkcePair, type Ctx } from '../../helper.js'
import { SAMPLE_USERS } from '../../../src/emulator/index.js'
import { LOG_ID_PATTERN } from '../../../src/envelope.js'

// POST /auth/tiktok/exchange: a code from TikTok's native Login Kit
// (https://developers.tiktok.com/doc/login-kit-android-quickstart-v2), which the app hands on
// with the verifier. The SDK makes the PKCE pair itself: a 32-character verifier and a hex S256
// challenge.

const EMMA = SAMPLE_USERS[1] as { open_id: string }

const sdkLogin = (ctx: Ctx): { code: string, verifier: string } =>
  nativeCode(ctx, { scopes: ['user.info.basic', 'user.info.profile'], openId: EMMA.open_id })

const exchange = (ctx: Ctx, payload: Record<string, unknown>) =>
  ctx.app.inject({ method: 'POST', url: '/auth/tiktok/exchange', payload })

t.test('a Login Kit code with a 32-character verifier becomes a session', async (t) => {
  const ctx = await build(t)
  const { code, verifier } = sdkLogin(ctx)
  t.equal(verifier.length, 32)
  const res = await exchange(ctx, { code, code_verifier: verifier, redirect_uri: NATIVE_REDIRECT })
  t.equal(res.statusCode, 201)
  t.equal(res.headers['cache-control'], 'no-store')
  const body = res.json()
  t.equal(body.error.code, 'ok')
  t.match(body.error.log_id, LOG_ID_PATTERN)
  const s = body.data.session
  t.same(Object.keys(s).sort(), ['expires_at', 'open_id', 'scopes', 'token', 'token_type'])
  t.equal(s.token_type, 'Bearer')
  t.equal(s.open_id, EMMA.open_id)
  t.same(s.scopes, ['user.info.basic', 'user.info.profile'])
  t.match(s.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.ok(Date.parse(s.expires_at) > Date.now(), 'the session ends in the future')
  t.ok(Buffer.from(s.token, 'base64url').length >= 32, 'the token carries at least 256 bits')
  t.equal(ctx.emulator.controls.counts.token_authorization_code, 1)

  const me = await ctx.app.inject({ url: '/me?fields=open_id,username', headers: auth(s.token) })
  t.equal(me.statusCode, 200)
  t.same(Object.keys(me.json().data.user).sort(), ['open_id', 'username'])
  t.equal(me.json().data.user.open_id, EMMA.open_id)

  const stored = await ctx.keys()
  t.notOk(stored.some((k) => k.includes(s.token)), 'the token itself is never a key')
  t.notOk(ctx.logs.some((l) => l.includes(verifier) || l.includes(code) || l.includes(s.token)), 'code, verifier and token never logged')
})

t.test('a redirect_uri outside the allow-list is a 400 that never reaches TikTok', async (t) => {
  const ctx = await build(t)
  const { code, verifier } = sdkLogin(ctx)
  for (const uri of ['com.example.evil:/oauth', `${NATIVE_REDIRECT}/`, `${APP_REDIRECT}?x=1`, 'https://app.example.com/oauth/callback#f']) {
    const res = await exchange(ctx, { code, code_verifier: verifier, redirect_uri: uri })
    t.equal(res.statusCode, 400, uri)
    t.equal(res.json().error.code, 'invalid_params')
    t.match(res.json().error.message, /redirect_uri/)
    t.same(res.json().data, {})
  }
  t.equal(ctx.emulator.controls.counts.token, 0, 'TikTok was never asked')
  const ok = await exchange(ctx, { code, code_verifier: verifier, redirect_uri: NATIVE_REDIRECT })
  t.equal(ok.statusCode, 201, 'the code was not burned by the refused requests')
})

t.test('malformed bodies are a 400 naming the problem, and never reach TikTok', async (t) => {
  const ctx = await build(t)
  const { code, verifier } = sdkLogin(ctx)
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ code_verifier: verifier, redirect_uri: NATIVE_REDIRECT }, /code/],
    [{ code, redirect_uri: NATIVE_REDIRECT }, /code_verifier/],
    [{ code, code_verifier: verifier }, /redirect_uri/],
    [{ code, code_verifier: 'has spaces in it', redirect_uri: NATIVE_REDIRECT }, /code_verifier/],
    [{ code, code_verifier: 'x'.repeat(129), redirect_uri: NATIVE_REDIRECT }, /code_verifier/],
    [{ code, code_verifier: verifier, redirect_uri: NATIVE_REDIRECT, scope: 'user.info.stats' }, /scope/]
  ]
  for (const [payload, names] of cases) {
    const res = await exchange(ctx, payload)
    t.equal(res.statusCode, 400, JSON.stringify(Object.keys(payload)))
    t.equal(res.json().error.code, 'invalid_params')
    t.match(res.json().error.message, names)
  }
  t.equal(ctx.emulator.controls.counts.token, 0)
})

t.test('a replayed code gets TikTok\'s refusal as a 400', async (t) => {
  const ctx = await build(t)
  const { code, verifier } = sdkLogin(ctx)
  const first = await exchange(ctx, { code, code_verifier: verifier, redirect_uri: NATIVE_REDIRECT })
  t.equal(first.statusCode, 201)
  const again = await exchange(ctx, { code, code_verifier: verifier, redirect_uri: NATIVE_REDIRECT })
  t.equal(again.statusCode, 400)
  t.equal(again.json().error.code, 'invalid_params')
  t.match(again.json().error.message, /invalid_grant/)
  t.match(again.headers['x-tiktok-log-id'], /^\d{14}[0-9A-F]{20}$/, 'TikTok\'s log_id of the refusal is passed on')
  t.equal(ctx.emulator.controls.counts.token, 2, 'the replay did reach TikTok, which refused it')
})

t.test('a wrong verifier gets TikTok\'s refusal as a 400', async (t) => {
  const ctx = await build(t)
  const { code } = sdkLogin(ctx)
  const res = await exchange(ctx, { code, code_verifier: sdkPkcePair().verifier, redirect_uri: NATIVE_REDIRECT })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'invalid_params')
  t.match(res.json().error.message, /invalid_request/)
  t.equal(ctx.emulator.controls.counts.token_authorization_code, 0, 'no tokens were issued')
  t.same((await ctx.keys()).filter((k) => k.includes(':s:')), [], 'no session stored')
})

t.test('TikTok 5xx → 502 upstream_error; TikTok too slow → 504 upstream_timeout', async (t) => {
  const ctx = await build(t, { env: { TIKTOK_TIMEOUT_MS: '300' } })
  const a = sdkLogin(ctx)
  ctx.emulator.controls.forceNext('token', { status: 503, raw: '<html>busy</html>', contentType: 'text/html' })
  const down = await exchange(ctx, { code: a.code, code_verifier: a.verifier, redirect_uri: NATIVE_REDIRECT })
  t.equal(down.statusCode, 502)
  t.equal(down.json().error.code, 'upstream_error')
  t.same(down.json().data, {})

  ctx.emulator.controls.forceNext('token', { status: 500, body: { error: 'server_error', error_description: 'boom', log_id: '20261124093011A1B2C3D4E5F6A7B8C9D0E1' } })
  const err = await exchange(ctx, { code: a.code, code_verifier: a.verifier, redirect_uri: NATIVE_REDIRECT })
  t.equal(err.statusCode, 502)
  t.equal(err.json().error.code, 'upstream_error')

  ctx.emulator.controls.setDelay('token', 2000)
  const slow = await exchange(ctx, { code: a.code, code_verifier: a.verifier, redirect_uri: NATIVE_REDIRECT })
  t.equal(slow.statusCode, 504)
  t.equal(slow.json().error.code, 'upstream_timeout')
  t.same((await ctx.keys()).filter((k) => k.includes(':s:')), [], 'no session stored by a failed exchange')
})
