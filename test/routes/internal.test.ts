import t from 'tap'
import { auth, build, login, type Ctx } from '../helper.js'
import { SAMPLE_USERS } from '../../src/emulator/index.js'

// The internal API: internal key auth, introspection and user lookup.

const REPORTS_SECRET = 'internal-secret-0123456789abcdef'
const BILLING_SECRET = 'billing-secret-fedcba9876543210'
const KEYS = `reports:${REPORTS_SECRET},billing:${BILLING_SECRET}`
const SOMCHAI = SAMPLE_USERS[0] as { open_id: string, union_id: string }
const EMMA = SAMPLE_USERS[1] as { open_id: string, union_id: string }

const introspect = (ctx: Ctx, payload: unknown, key = REPORTS_SECRET) =>
  ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(key), payload: payload as Record<string, unknown> })

const userOf = (ctx: Ctx, openId: string, query = '', key = REPORTS_SECRET) =>
  ctx.app.inject({ url: `/internal/users/${encodeURIComponent(openId)}${query}`, headers: auth(key) })

/** The JSON log lines of one request. */
const linesOf = (ctx: Ctx, logId: string): Array<Record<string, unknown>> =>
  ctx.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.log_id === logId)

t.test('a missing, wrong or malformed internal key is a 401 envelope on every internal route', async (t) => {
  const ctx = await build(t, { env: { INTERNAL_API_KEYS: KEYS } })
  const { token } = await login(ctx)
  const variants: Array<Record<string, string>> = [
    {},
    auth('internal-secret-0123456789abcdeX'),
    auth(token),
    auth(`${REPORTS_SECRET} `.repeat(2).trim()),
    { authorization: `Basic ${Buffer.from(`reports:${REPORTS_SECRET}`).toString('base64')}` },
    { authorization: REPORTS_SECRET },
    auth('reports')
  ]
  for (const headers of variants) {
    const a = await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers, payload: { token } })
    const b = await ctx.app.inject({ url: `/internal/users/${SOMCHAI.open_id}`, headers })
    for (const res of [a, b]) {
      t.equal(res.statusCode, 401, JSON.stringify(headers))
      t.equal(res.json().error.code, 'access_token_invalid')
      t.same(res.json().data, {})
    }
  }
  t.equal(ctx.emulator.controls.counts.user_info, 0, 'TikTok was never asked')
})

t.test('without INTERNAL_API_KEYS every internal request is a 401', async (t) => {
  const ctx = await build(t, { env: { INTERNAL_API_KEYS: undefined } })
  const { token } = await login(ctx)
  for (const key of [REPORTS_SECRET, '', 'reports']) {
    const res = await introspect(ctx, { token }, key)
    t.equal(res.statusCode, 401)
    t.equal(res.json().error.code, 'access_token_invalid')
  }
})

t.test('the caller\'s name is in the request\'s log lines; no secret ever is', async (t) => {
  const ctx = await build(t, { env: { INTERNAL_API_KEYS: KEYS } })
  const { token } = await login(ctx)
  const a = await introspect(ctx, { token })
  const b = await introspect(ctx, { token }, BILLING_SECRET)
  t.equal(a.statusCode, 200)
  t.equal(b.statusCode, 200)
  const la = linesOf(ctx, a.json().error.log_id)
  const lb = linesOf(ctx, b.json().error.log_id)
  t.ok(la.length > 0 && lb.length > 0, 'the requests were logged')
  t.ok(la.every((l) => l.caller === 'reports'), 'every line names the reports key')
  t.ok(lb.every((l) => l.caller === 'billing'), 'every line names the billing key')
  const refused = await introspect(ctx, { token }, `${REPORTS_SECRET}-nope`)
  t.equal(refused.statusCode, 401)
  t.notOk(linesOf(ctx, refused.json().error.log_id).some((l) => 'caller' in l), 'a refused caller is named by nothing')
  for (const secret of [REPORTS_SECRET, BILLING_SECRET, token]) {
    t.notOk(ctx.logs.some((l) => l.includes(secret)), 'a secret never reaches the log')
  }
})

t.test('introspect: a live token → active with its details; anything else → exactly { active: false }', async (t) => {
  const ctx = await build(t)
  const { token, session } = await login(ctx, { scopes: ['user.info.basic', 'user.info.stats'] })
  const live = await introspect(ctx, { token })
  t.equal(live.statusCode, 200)
  t.equal(live.json().error.code, 'ok')
  t.same(live.json().data, { active: true, open_id: session.open_id, scopes: ['user.info.basic', 'user.info.stats'], expires_at: session.expires_at })
  t.match(live.json().data.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

  const { token: other } = await login(ctx)
  const out = await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(other) })
  t.equal(out.statusCode, 200)
  for (const candidate of [other, 'not-a-session', '', token.slice(0, -1), `${token}x`]) {
    const res = await introspect(ctx, { token: candidate })
    t.equal(res.statusCode, 200, 'never a 4xx for a token that is not live')
    t.same(res.json().data, { active: false })
  }
})

t.test('introspect: a body without token (or with anything else) is a 400', async (t) => {
  const ctx = await build(t)
  for (const payload of [{}, { tok: 'x' }, { token: { value: 'x' } }, { token: 'x', extra: true }]) {
    const res = await introspect(ctx, payload)
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().error.code, 'invalid_params')
    t.match(res.json().error.message, /token|extra/)
  }
  const none = await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(REPORTS_SECRET) })
  t.equal(none.statusCode, 400)
  t.equal(none.json().error.code, 'invalid_params')
})

t.test('union_id: unknown until a /me returned it, then remembered (across a refresh too)', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  t.notOk('union_id' in (await introspect(ctx, { token })).json().data, 'not known at login')

  await ctx.app.inject({ url: '/me?fields=display_name', headers: auth(token) })
  t.notOk('union_id' in (await introspect(ctx, { token })).json().data, 'not known after a /me without it')

  const me = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(me.json().data.user.union_id, SOMCHAI.union_id)
  const after = (await introspect(ctx, { token })).json().data
  t.equal(after.union_id, SOMCHAI.union_id)
  t.equal(after.active, true)

  ctx.emulator.controls.expireAccessTokens()
  const refreshed = await ctx.app.inject({ url: '/me?fields=open_id', headers: auth(token) })
  t.equal(refreshed.statusCode, 200)
  t.equal(ctx.emulator.controls.counts.token_refresh, 1, 'the session was refreshed')
  t.equal((await introspect(ctx, { token })).json().data.union_id, SOMCHAI.union_id, 'kept by the refresh')
  const again = await ctx.app.inject({ url: '/me?fields=open_id', headers: auth(token) })
  t.equal(again.statusCode, 200, 'the refreshed tokens still work')
})

t.test('users/{open_id}: the /me object through the freshest live session', async (t) => {
  const ctx = await build(t)
  const older = await login(ctx, { scopes: ['user.info.basic'] })
  const fresher = await login(ctx, { scopes: ['user.info.basic', 'user.info.stats'] })

  const all = await userOf(ctx, SOMCHAI.open_id)
  t.equal(all.statusCode, 200)
  t.equal(all.json().error.code, 'ok')
  const user = all.json().data.user
  t.equal(user.open_id, SOMCHAI.open_id)
  t.ok(Number.isInteger(user.follower_count), 'the freshest session\'s stats scope is used')
  t.notOk('username' in user, 'no field of an ungranted scope')
  t.ok(all.headers['x-tiktok-log-id'])

  const some = await userOf(ctx, SOMCHAI.open_id, '?fields=display_name,video_count')
  t.same(Object.keys(some.json().data.user).sort(), ['display_name', 'video_count'])

  const unknown = await userOf(ctx, SOMCHAI.open_id, '?fields=email')
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json().error.message, /email/)
  const denied = await userOf(ctx, SOMCHAI.open_id, '?fields=bio_description')
  t.equal(denied.statusCode, 403)
  t.equal(denied.json().error.code, 'scope_not_authorized')
  t.match(denied.json().error.message, /user\.info\.profile/)

  await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(fresher.token) })
  const fallback = await userOf(ctx, SOMCHAI.open_id)
  t.equal(fallback.statusCode, 200, 'the older session still serves')
  t.notOk('follower_count' in fallback.json().data.user, 'with its own, narrower grant')
  const stats = await userOf(ctx, SOMCHAI.open_id, '?fields=follower_count')
  t.equal(stats.statusCode, 403)

  await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(older.token) })
  const gone = await userOf(ctx, SOMCHAI.open_id)
  t.equal(gone.statusCode, 404)
  t.equal(gone.json().error.code, 'not_found')
  t.same(gone.json().data, {})
  const never = await userOf(ctx, EMMA.open_id)
  t.equal(never.statusCode, 404, 'a user who never signed in')
  const odd = await userOf(ctx, 'not a uuid / at all')
  t.equal(odd.statusCode, 404, 'open_id is opaque: any string is looked up, never validated')
})
