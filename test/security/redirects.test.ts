import t from 'tap'
import { APP_REDIRECT, NATIVE_REDIRECT, auth, build, pkcePair, type Ctx } from '../helper.js'
import { hexChallenge } from '../../src/tiktok/pkce.js'

// The app redirect_uri allow-list is compared exactly (RFC 9700 §4.1.3, §2.1), at request time
// (at start-up: test/config/redirect-config.test.ts); state, handoff codes and TikTok codes
// work once, even under concurrent replay (RFC 9700 §4.5, RFC 6749 §4.1.2, RFC 7636).

const LOOPBACK = 'http://127.0.0.1:7777/cb'
const env = { APP_REDIRECT_URIS: `${APP_REDIRECT},${NATIVE_REDIRECT},${LOOPBACK}` }

// Each is close to an allow-listed entry and must be refused.
const VARIANTS: Array<[string, string]> = [
  ['other host', 'https://evil.example.com/oauth/callback'],
  ['suffix host', 'https://app.example.com.evil.com/oauth/callback'],
  ['prefix host', 'https://evilapp.example.com/oauth/callback'],
  ['subdomain', 'https://x.app.example.com/oauth/callback'],
  ['parent domain', 'https://example.com/oauth/callback'],
  ['trailing-dot host', 'https://app.example.com./oauth/callback'],
  ['homoglyph host', 'https://\u0430pp.example.com/oauth/callback'],
  ['userinfo before the host', 'https://evil.com@app.example.com/oauth/callback'],
  ['host as userinfo', 'https://app.example.com@evil.com/oauth/callback'],
  ['userinfo with a password', 'https://app.example.com:x@evil.com/oauth/callback'],
  ['explicit default port', 'https://app.example.com:443/oauth/callback'],
  ['other port', 'https://app.example.com:8443/oauth/callback'],
  ['http instead of https', 'http://app.example.com/oauth/callback'],
  ['extra path', `${APP_REDIRECT}/x`],
  ['path prefix', 'https://app.example.com/oauth'],
  ['dot-dot segment', 'https://app.example.com/oauth/x/../callback'],
  ['dot segment', 'https://app.example.com/oauth/./callback'],
  ['encoded slash', 'https://app.example.com/oauth%2Fcallback'],
  ['encoded dot-dot', 'https://app.example.com/x/%2e%2e/oauth/callback'],
  ['encoded letter', 'https://app.example.com/oauth/callbac%6B'],
  ['backslash path', 'https://app.example.com\\oauth\\callback'],
  ['backslash authority', 'https:\\\\app.example.com/oauth/callback'],
  ['backslash userinfo trick', 'https://evil.com\\@app.example.com/oauth/callback'],
  ['protocol-relative', '//app.example.com/oauth/callback'],
  ['protocol-relative, other host', '//evil.com/oauth/callback'],
  ['relative', '/oauth/callback'],
  ['scheme without slashes', 'https:app.example.com/oauth/callback'],
  ['javascript:', 'javascript:alert(document.domain)//https://app.example.com/oauth/callback'],
  ['JAVASCRIPT:', 'JAVASCRIPT:alert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['comma list', `${APP_REDIRECT},https://evil.com/`],
  ['space list', `${APP_REDIRECT} https://evil.com/`],
  ['upper-case host', 'https://APP.EXAMPLE.COM/oauth/callback'],
  ['upper-case scheme', 'HTTPS://app.example.com/oauth/callback'],
  ['upper-case path', 'https://app.example.com/OAuth/Callback'],
  ['trailing slash', `${APP_REDIRECT}/`],
  ['trailing ?', `${APP_REDIRECT}?`],
  ['trailing #', `${APP_REDIRECT}#`],
  ['extra query', `${APP_REDIRECT}?next=https://evil.com`],
  ['fragment', `${APP_REDIRECT}#@evil.com`],
  ['leading space', ` ${APP_REDIRECT}`],
  ['trailing space', `${APP_REDIRECT} `],
  ['tab in the host', 'https://app.exa\tmple.com/oauth/callback'],
  ['trailing newline', `${APP_REDIRECT}\n`],
  ['NUL', `${APP_REDIRECT}\u0000`],
  ['encoded NUL', `${APP_REDIRECT}%00`],
  ['native: double slash', 'com.example.app://oauth'],
  ['native: trailing slash', 'com.example.app:/oauth/'],
  ['native: upper case', 'COM.EXAMPLE.APP:/oauth'],
  ['native: no slash', 'com.example.app:oauth'],
  ['native: longer scheme', 'com.example.app.evil:/oauth'],
  ['native: shorter scheme', 'com.example:/oauth'],
  ['loopback: other port', 'http://127.0.0.1:7778/cb'],
  ['loopback: localhost for 127.0.0.1', 'http://localhost:7777/cb'],
  ['loopback: IPv6 for 127.0.0.1', 'http://[::1]:7777/cb'],
  ['loopback: https', 'https://127.0.0.1:7777/cb'],
  ['loopback: no port', 'http://127.0.0.1/cb'],
  ['loopback: short IP', 'http://127.1:7777/cb']
]

const loginQuery = (redirectUri: string | string[]) =>
  ({ redirect_uri: redirectUri, code_challenge: pkcePair().challenge, code_challenge_method: 'S256', state: 'app-state' })

t.test('login and native exchange refuse every near-miss of the allow-list: 400, no Location, nothing stored or sent', async (t) => {
  const ctx = await build(t, { env: { ...env, RATE_LIMIT_AUTH_PER_MINUTE: '0' } })
  for (const [name, uri] of [...VARIANTS, ['repeated parameter', [APP_REDIRECT, 'https://evil.com/']] as [string, string[]]]) {
    const login = await ctx.app.inject({ url: '/auth/tiktok/login', query: loginQuery(uri) })
    t.equal(login.statusCode, 400, `login, ${name}`)
    t.equal(login.json().error.code, 'invalid_params', `login, ${name}`)
    t.notOk(login.headers.location, `login, ${name}: no Location`)
    if (Array.isArray(uri)) continue
    const native = pkcePair()
    const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: uri, codeChallenge: hexChallenge(native.verifier) })
    const exchange = await ctx.app.inject({ method: 'POST', url: '/auth/tiktok/exchange', payload: { code, code_verifier: native.verifier, redirect_uri: uri } })
    t.equal(exchange.statusCode, 400, `exchange, ${name}`)
    t.notOk(exchange.headers.location, `exchange, ${name}: no Location`)
  }
  t.same(await ctx.keys(), [], 'nothing stored')
  t.equal(ctx.emulator.controls.counts.token, 0, 'TikTok never asked')
  t.comment(`redirect variants tried: ${VARIANTS.length + 1}, each on login and ${VARIANTS.length} on the native exchange`)
})

async function startLogin (ctx: Ctx, redirectUri = APP_REDIRECT) {
  const pkce = pkcePair()
  const res = await ctx.app.inject({ url: '/auth/tiktok/login', query: { ...loginQuery(redirectUri), code_challenge: pkce.challenge } })
  const url = new URL(res.headers.location as string)
  return { pkce, state: url.searchParams.get('state') as string, challenge: url.searchParams.get('code_challenge') as string }
}

t.test('the exact entries work, and the app is sent back to exactly its entry', async (t) => {
  const ctx = await build(t, { env })
  for (const entry of [APP_REDIRECT, NATIVE_REDIRECT, LOOPBACK]) {
    const { state, challenge } = await startLogin(ctx, entry)
    const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: ctx.config.callbackUrl, codeChallenge: challenge })
    const cb = await ctx.app.inject({ url: '/auth/tiktok/callback', query: { code, state } })
    t.equal(cb.statusCode, 302, entry)
    const location = cb.headers.location as string
    t.equal(location.slice(0, location.indexOf('?')), entry, `${entry}: the Location is the entry plus the query`)
    t.match(new URL(location).searchParams.get('code'), /^[A-Za-z0-9_-]{43}$/)
  }
  const native = pkcePair()
  const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: NATIVE_REDIRECT, codeChallenge: hexChallenge(native.verifier) })
  const ok = await ctx.app.inject({ method: 'POST', url: '/auth/tiktok/exchange', payload: { code, code_verifier: native.verifier, redirect_uri: NATIVE_REDIRECT } })
  t.equal(ok.statusCode, 201, 'the native exchange with an exact entry')
})

t.test('state is single use under 20 concurrent callbacks', async (t) => {
  const ctx = await build(t, { env })
  const { state, challenge } = await startLogin(ctx)
  const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: ctx.config.callbackUrl, codeChallenge: challenge })
  const answers = await Promise.all(Array.from({ length: 20 }, () => ctx.app.inject({ url: '/auth/tiktok/callback', query: { code, state } })))
  t.equal(answers.filter((a) => a.statusCode === 302).length, 1, 'one callback proceeds')
  t.equal(answers.filter((a) => a.statusCode === 400 && a.headers.location === undefined).length, 19, 'the replays: 400, no Location')
  t.equal(ctx.emulator.controls.counts.token_authorization_code, 1, 'one code exchange at TikTok')
  t.equal((await ctx.keys()).filter((k) => k.includes('handoff')).length, 1, 'one handoff code')
})

async function handoffOf (ctx: Ctx) {
  const { pkce, state, challenge } = await startLogin(ctx)
  const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: ctx.config.callbackUrl, codeChallenge: challenge })
  const cb = await ctx.app.inject({ url: '/auth/tiktok/callback', query: { code, state } })
  return { verifier: pkce.verifier, handoff: new URL(cb.headers.location as string).searchParams.get('code') as string }
}

t.test('a handoff code is single use under 20 concurrent redemptions, and a wrong verifier burns it', async (t) => {
  const ctx = await build(t, { env })
  const redeem = (handoff: string, verifier: string) => ctx.app.inject({ method: 'POST', url: '/auth/session', payload: { code: handoff, code_verifier: verifier } })

  const a = await handoffOf(ctx)
  const all = await Promise.all(Array.from({ length: 20 }, () => redeem(a.handoff, a.verifier)))
  t.same(all.map((r) => r.statusCode).sort(), [201, ...Array(19).fill(400)], '20 redemptions with the right verifier: one session')

  const b = await handoffOf(ctx)
  t.equal((await redeem(b.handoff, pkcePair().verifier)).statusCode, 400, 'a wrong verifier')
  const after = await Promise.all(Array.from({ length: 20 }, () => redeem(b.handoff, b.verifier)))
  t.same(after.map((r) => r.statusCode), Array(20).fill(400), '...burnt the code: the right verifier comes too late')

  const c = await handoffOf(ctx)
  const verifiers = Array.from({ length: 20 }, (_, i) => i % 2 === 0 ? c.verifier : pkcePair().verifier)
  const mixed = await Promise.all(verifiers.map((v) => redeem(c.handoff, v)))
  const won = mixed.flatMap((r, i) => r.statusCode === 201 ? [i] : [])
  t.ok(won.length <= 1 && won.every((i) => i % 2 === 0), `mixed verifiers: at most one session, only with the right verifier (${won.join(',')})`)
  t.equal((await ctx.keys()).filter((k) => k.includes('handoff')).length, 0, 'every code is burnt')
})

t.test('TikTok codes: a replay at another login, or injected into another login, never makes a session', async (t) => {
  const ctx = await build(t, { env })
  const a = await startLogin(ctx)
  const b = await startLogin(ctx)
  const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: ctx.config.callbackUrl, codeChallenge: a.challenge })

  // Injection (RFC 9700 §4.5): A's code at B's callback. B's PKCE verifier does not fit A's code.
  const injected = await ctx.app.inject({ url: '/auth/tiktok/callback', query: { code, state: b.state } })
  t.equal(injected.statusCode, 302, 'the app hears of the failure')
  t.notOk(new URL(injected.headers.location as string).searchParams.has('code'), 'no handoff code')
  t.ok(new URL(injected.headers.location as string).searchParams.get('error'), 'an error instead')
  t.equal((await ctx.keys()).filter((k) => k.includes('handoff')).length, 0, 'nothing to redeem')

  // Replay (RFC 6749 §4.1.2): the code's second use is refused, and TikTok ends what the first made.
  const c = await startLogin(ctx)
  const code2 = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: ctx.config.callbackUrl, codeChallenge: c.challenge })
  const first = await ctx.app.inject({ url: '/auth/tiktok/callback', query: { code: code2, state: c.state } })
  const handoff = new URL(first.headers.location as string).searchParams.get('code') as string
  const session = (await ctx.app.inject({ method: 'POST', url: '/auth/session', payload: { code: handoff, code_verifier: c.pkce.verifier } })).json().data.session
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(session.token) })).statusCode, 200)
  const d = await startLogin(ctx)
  const replay = await ctx.app.inject({ url: '/auth/tiktok/callback', query: { code: code2, state: d.state } })
  t.equal(new URL(replay.headers.location as string).searchParams.get('error'), 'invalid_grant', 'the replay is refused')
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(session.token) })).statusCode, 401, 'the session of the replayed code ends')
})

t.test('native exchange: 10 concurrent uses of one TikTok code make at most one session, and TikTok ends it', async (t) => {
  const ctx = await build(t, { env })
  const native = pkcePair()
  const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: NATIVE_REDIRECT, codeChallenge: hexChallenge(native.verifier) })
  const answers = await Promise.all(Array.from({ length: 10 }, () =>
    ctx.app.inject({ method: 'POST', url: '/auth/tiktok/exchange', payload: { code, code_verifier: native.verifier, redirect_uri: NATIVE_REDIRECT } })))
  const created = answers.filter((a) => a.statusCode === 201)
  t.equal(created.length, 1, 'one session')
  t.equal(answers.filter((a) => a.statusCode === 400).length, 9, 'the replays: 400')
  const token = created[0]?.json().data.session.token as string
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 401, 'TikTok ended the grant of a replayed code; the session with it')
})
