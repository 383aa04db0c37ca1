import t from 'tap'
import { APP_REDIRECT, auth, build, login, pkcePair } from '../../helper.js'

const loginQuery = (challenge: string, extra: Record<string, string> = {}) =>
  ({ redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', state: 'app-state', ...extra })

t.test('login redirects to TikTok with client_key, our own state and hex S256 PKCE', async (t) => {
  const ctx = await build(t)
  const { challenge } = pkcePair()
  const res = await ctx.app.inject({ url: '/auth/tiktok/login', query: loginQuery(challenge, { scope: 'user.info.basic,video.list' }) })
  t.equal(res.statusCode, 302)
  const url = new URL(res.headers.location as string)
  t.equal(url.origin + url.pathname, `${ctx.emulator.url}/v2/auth/authorize/`)
  t.equal(url.searchParams.get('client_key'), 'emulator-client-key')
  t.notOk(url.searchParams.has('client_id'))
  t.equal(url.searchParams.get('response_type'), 'code')
  t.equal(url.searchParams.get('scope'), 'user.info.basic,video.list')
  t.equal(url.searchParams.get('redirect_uri'), ctx.config.callbackUrl)
  t.match(url.searchParams.get('code_challenge'), /^[0-9a-f]{64}$/, 'TikTok gets a hex challenge')
  t.not(url.searchParams.get('code_challenge'), challenge, 'never the app\'s own challenge')
  t.equal(url.searchParams.get('code_challenge_method'), 'S256')
  t.not(url.searchParams.get('state'), 'app-state', 'TikTok gets this service\'s state, not the app\'s')
  const keys = await ctx.dataKeys()
  t.equal(keys.length, 1, 'one pending login stored')
  const ttl = await ctx.redis.pttl(keys[0] as string)
  t.ok(ttl > 0 && ttl <= 600_000, 'pending login expires within 10 minutes')
  t.notOk(keys[0]?.includes(url.searchParams.get('state') as string), 'state stored only as a hash')
})

t.test('bad login requests: 400 envelope, no redirect, nothing stored', async (t) => {
  const ctx = await build(t)
  const { challenge } = pkcePair()
  const cases: Array<[string, Record<string, string>]> = [
    ['redirect not allow-listed', loginQuery(challenge, { redirect_uri: 'https://evil.example.com/oauth/callback' })],
    ['redirect with a suffix', loginQuery(challenge, { redirect_uri: `${APP_REDIRECT}/x` })],
    ['unknown scope', loginQuery(challenge, { scope: 'user.info.basic,user.info.email' })],
    ['challenge not S256 base64url', loginQuery('abc')],
    ['plain method', loginQuery(challenge, { code_challenge_method: 'plain' })],
    ['unknown parameter', loginQuery(challenge, { prompt: 'none' })]
  ]
  for (const [name, query] of cases) {
    const res = await ctx.app.inject({ url: '/auth/tiktok/login', query })
    t.equal(res.statusCode, 400, name)
    t.equal(res.json().error.code, 'invalid_params', name)
    t.notOk(res.headers.location, `${name}: no Location`)
  }
  const missing = await ctx.app.inject({ url: '/auth/tiktok/login', query: { code_challenge: challenge } })
  t.equal(missing.statusCode, 400)
  t.match(missing.json().error.message, /redirect_uri/)
  t.same(await ctx.dataKeys(), [], 'nothing stored')
  t.equal(ctx.emulator.controls.counts.authorize, 0)
})

async function startLogin (ctx: Awaited<ReturnType<typeof build>>) {
  const pkce = pkcePair()
  const res = await ctx.app.inject({ url: '/auth/tiktok/login', query: loginQuery(pkce.challenge) })
  const url = new URL(res.headers.location as string)
  const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: ctx.config.callbackUrl, codeChallenge: url.searchParams.get('code_challenge') as string })
  return { pkce, state: url.searchParams.get('state') as string, code }
}

t.test('callback: state is single use, even under concurrent replay', async (t) => {
  const ctx = await build(t)
  const { state, code } = await startLogin(ctx)
  const answers = await Promise.all(Array.from({ length: 5 }, () => ctx.app.inject({ url: '/auth/tiktok/callback', query: { code, state } })))
  const redirects = answers.filter((a) => a.statusCode === 302)
  t.equal(redirects.length, 1, 'exactly one callback proceeds')
  t.equal(answers.filter((a) => a.statusCode === 400).length, 4)
  const back = new URL(redirects[0]?.headers.location as string)
  t.equal(back.origin + back.pathname, APP_REDIRECT)
  t.equal(back.searchParams.get('state'), 'app-state', 'the app\'s state is echoed')
  t.match(back.searchParams.get('code'), /^[A-Za-z0-9_-]{43}$/)
  t.equal(ctx.emulator.controls.counts.token_authorization_code, 1)
})

t.test('callback without, or with an unknown, state: 400 and no redirect', async (t) => {
  const ctx = await build(t)
  for (const query of [{ code: 'x' }, { code: 'x', state: 'forged' }, { error: 'access_denied', error_description: 'no' }] as Array<Record<string, string>>) {
    const res = await ctx.app.inject({ url: '/auth/tiktok/callback', query })
    t.equal(res.statusCode, 400)
    t.notOk(res.headers.location)
    t.equal(res.json().error.code, 'invalid_params')
  }
  t.equal(ctx.emulator.controls.counts.token, 0)
})

t.test('the user declined: back to the app with TikTok\'s error and the app\'s state', async (t) => {
  const ctx = await build(t)
  const { state } = await startLogin(ctx)
  const res = await ctx.app.inject({ url: '/auth/tiktok/callback', query: { state, error: 'access_denied', error_description: 'The user denied the request', errCode: '10007' } })
  t.equal(res.statusCode, 302)
  const back = new URL(res.headers.location as string)
  t.equal(back.searchParams.get('error'), 'access_denied')
  t.equal(back.searchParams.get('error_description'), 'The user denied the request')
  t.equal(back.searchParams.get('state'), 'app-state')
  t.notOk(back.searchParams.has('code'))
  t.same(await ctx.dataKeys(), [], 'nothing stored')
})

t.test('TikTok refuses the code at the callback: the app hears why', async (t) => {
  const ctx = await build(t)
  const { state } = await startLogin(ctx)
  const res = await ctx.app.inject({ url: '/auth/tiktok/callback', query: { state, code: 'not-a-code' } })
  t.equal(res.statusCode, 302)
  const back = new URL(res.headers.location as string)
  t.equal(back.searchParams.get('error'), 'invalid_grant')
  t.equal(back.searchParams.get('state'), 'app-state')
})

t.test('handoff: works once, only with the right verifier; a wrong verifier burns it', async (t) => {
  const ctx = await build(t)
  const { pkce, state, code } = await startLogin(ctx)
  const cb = await ctx.app.inject({ url: '/auth/tiktok/callback', query: { code, state } })
  const handoff = new URL(cb.headers.location as string).searchParams.get('code') as string
  const handoffKey = (await ctx.dataKeys()).find((k) => k.includes('handoff'))
  t.ok(handoffKey, 'handoff stored')
  const ttl = await ctx.redis.pttl(handoffKey as string)
  t.ok(ttl > 0 && ttl <= 60_000, 'handoff expires within 60 s')

  const wrong = await ctx.app.inject({ method: 'POST', url: '/auth/session', payload: { code: handoff, code_verifier: pkcePair().verifier } })
  t.equal(wrong.statusCode, 400)
  t.equal(wrong.json().error.code, 'invalid_params')
  const right = await ctx.app.inject({ method: 'POST', url: '/auth/session', payload: { code: handoff, code_verifier: pkce.verifier } })
  t.equal(right.statusCode, 400, 'the wrong verifier burnt the code')
  t.same(await ctx.dataKeys(), [], 'no session was created')
})

t.test('handoff redeemed: 201 session; a replay is 400', async (t) => {
  const ctx = await build(t)
  const { pkce, state, code } = await startLogin(ctx)
  const cb = await ctx.app.inject({ url: '/auth/tiktok/callback', query: { code, state } })
  const handoff = new URL(cb.headers.location as string).searchParams.get('code') as string
  const replies = await Promise.all([1, 2, 3].map(() => ctx.app.inject({ method: 'POST', url: '/auth/session', payload: { code: handoff, code_verifier: pkce.verifier } })))
  t.same(replies.map((r) => r.statusCode).sort(), [201, 400, 400])
  const session = replies.find((r) => r.statusCode === 201)?.json().data.session
  t.equal(session.token_type, 'Bearer')
  t.match(session.token, /^[A-Za-z0-9_-]{43}$/)
  t.equal(session.scopes.join(','), 'user.info.basic')
  t.ok(Date.parse(session.expires_at) > Date.now())
  t.match(session.expires_at, /Z$/)
  const me = await ctx.app.inject({ url: '/me', headers: auth(session.token) })
  t.equal(me.statusCode, 200)
})

t.test('POST /auth/session body errors: 400 envelopes', async (t) => {
  const ctx = await build(t)
  const bad: Array<[string, string, string]> = [
    ['no body', '', 'application/json'],
    ['bad JSON', '{"code":', 'application/json'],
    ['extra property', JSON.stringify({ code: 'a', code_verifier: 'b'.repeat(43), admin: true }), 'application/json'],
    ['short verifier', JSON.stringify({ code: 'a', code_verifier: 'short' }), 'application/json']
  ]
  for (const [name, payload, type] of bad) {
    const res = await ctx.app.inject({ method: 'POST', url: '/auth/session', payload, headers: { 'content-type': type } })
    t.equal(res.statusCode, 400, name)
    t.equal(res.json().error.code, 'invalid_params', name)
  }
  const form = await ctx.app.inject({ method: 'POST', url: '/auth/session', payload: 'code=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(form.statusCode, 415)
  t.equal(form.json().error.code, 'invalid_params')
  const huge = await ctx.app.inject({ method: 'POST', url: '/auth/session', payload: JSON.stringify({ code: 'a'.repeat(100_000), code_verifier: 'b'.repeat(43) }), headers: { 'content-type': 'application/json' } })
  t.equal(huge.statusCode, 413)
  t.equal(huge.json().error.code, 'invalid_params')
})

t.test('logout all_sessions ends every session of the user and only that user', async (t) => {
  const ctx = await build(t)
  const a = await login(ctx, { openId: '723f24d7-e717-40f8-a2b6-cb8464cd23b4' })
  const b = await login(ctx, { openId: '723f24d7-e717-40f8-a2b6-cb8464cd23b4' })
  const other = await login(ctx, { openId: '5b0c8a1e-3f4d-4e2a-9c61-0d7e2f9a4b13' })
  const out = await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: { ...auth(a.token), 'content-type': 'application/json' }, payload: { all_sessions: true } })
  t.equal(out.statusCode, 200)
  t.equal(out.json().data.sessions_ended, 2)
  for (const s of [a, b]) t.equal((await ctx.app.inject({ url: '/me', headers: auth(s.token) })).statusCode, 401)
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(other.token) })).statusCode, 200, 'another user keeps their session')
})

t.test('logout still succeeds when TikTok\'s revoke fails', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  ctx.emulator.controls.forceNext('revoke', { status: 500, raw: 'oops' })
  const out = await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: { ...auth(token), 'content-type': 'application/json' }, payload: '' })
  t.equal(out.statusCode, 200)
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 401)
})
