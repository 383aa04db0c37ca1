import t from 'tap'
import { auth, build, login } from '../helper.js'
import { FIELD_NAMES } from '../../src/scopes/catalogue.js'
import { LOG_ID_PATTERN } from '../../src/envelope.js'

t.test('GET /me answers TikTok\'s envelope with every field the grant allows', async (t) => {
  const ctx = await build(t)
  const { token, session } = await login(ctx)
  t.same(session.scopes, ['user.info.basic', 'user.info.profile', 'user.info.stats'])
  const res = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.error.code, 'ok')
  t.equal(body.error.message, '')
  t.match(body.error.log_id, LOG_ID_PATTERN)
  t.equal(res.headers['x-log-id'], body.error.log_id)
  t.ok(res.headers['x-tiktok-log-id'], 'TikTok\'s log_id is passed on')
  const user = body.data.user
  t.equal(user.open_id, session.open_id)
  t.equal(typeof user.follower_count, 'number')
  t.ok(Number.isInteger(user.likes_count))
  for (const k of Object.keys(user)) t.ok(FIELD_NAMES.includes(k as never), `${k} is a catalogue field`)
  t.equal(ctx.emulator.controls.counts.user_info, 1)
})

t.test('fields: exactly the requested ones; unknown → 400; ungranted → 403; TikTok never asked', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx, { scopes: ['user.info.basic'] })
  const one = await ctx.app.inject({ url: '/me?fields=display_name,open_id', headers: auth(token) })
  t.equal(one.statusCode, 200)
  t.same(Object.keys(one.json().data.user).sort(), ['display_name', 'open_id'])
  const calls = ctx.emulator.controls.counts.user_info

  const unknown = await ctx.app.inject({ url: '/me?fields=display_name,email', headers: auth(token) })
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.json().error.code, 'invalid_params')
  t.match(unknown.json().error.message, /email/)

  const denied = await ctx.app.inject({ url: '/me?fields=follower_count,bio_description', headers: auth(token) })
  t.equal(denied.statusCode, 403)
  t.equal(denied.json().error.code, 'scope_not_authorized')
  t.match(denied.json().error.message, /user\.info\.stats/)
  t.match(denied.json().error.message, /user\.info\.profile/)
  t.same(denied.json().data, {})

  const all = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.same(Object.keys(all.json().data.user).sort(), ['avatar_large_url', 'avatar_url', 'avatar_url_100', 'display_name', 'open_id', 'union_id'])
  t.equal(ctx.emulator.controls.counts.user_info, calls + 1, 'refused requests never reached TikTok')
})

t.test('no, unknown or logged-out token → 401 envelope', async (t) => {
  const ctx = await build(t)
  const none = await ctx.app.inject({ url: '/me' })
  t.equal(none.statusCode, 401)
  t.equal(none.json().error.code, 'access_token_invalid')
  const bogus = await ctx.app.inject({ url: '/me', headers: auth('not-a-session') })
  t.equal(bogus.statusCode, 401)
  const { token } = await login(ctx)
  const out = await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(token) })
  t.equal(out.statusCode, 200)
  t.equal(out.json().error.code, 'ok')
  t.equal(ctx.emulator.controls.counts.revoke, 1, 'the TikTok token was revoked')
  const after = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(after.statusCode, 401)
})

t.test('ETag over data; If-None-Match → 304 only after the session is checked', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  const a = await ctx.app.inject({ url: '/me', headers: auth(token) })
  const b = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.match(a.headers['cache-control'], /private/)
  t.ok(a.headers.etag)
  t.equal(a.headers.etag, b.headers.etag, 'same data, same ETag, though log_id differs')
  t.not(a.json().error.log_id, b.json().error.log_id)
  const c = await ctx.app.inject({ url: '/me', headers: { ...auth(token), 'if-none-match': a.headers.etag as string } })
  t.equal(c.statusCode, 304)
  t.equal(c.body, '')
  await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(token) })
  const d = await ctx.app.inject({ url: '/me', headers: { ...auth(token), 'if-none-match': a.headers.etag as string } })
  t.equal(d.statusCode, 401)
})
