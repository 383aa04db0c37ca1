import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { APP_REDIRECT, NATIVE_REDIRECT, auth, build, login, pkcePair, type Ctx } from '../helper.js'
import { hexChallenge } from '../../src/tiktok/pkce.js'

// Security headers (src/plugins/security.ts, helmet). JSON answers: nosniff,
// a CSP that allows nothing, no framing, no referrer; nothing that carries a secret is cached;
// no CORS unless configured (it is not). /docs and /demo/ keep their own CSP.

const INTERNAL_KEY = 'internal-secret-0123456789abcdef'

/** What is missing from an API answer's security headers. */
function apiHeaderProblems (res: LightMyRequestResponse): string[] {
  const h = res.headers
  const csp = String(h['content-security-policy'])
  return [
    h['x-content-type-options'] === 'nosniff' ? '' : 'no nosniff',
    /default-src 'none'/.test(csp) ? '' : 'a CSP that allows something',
    /frame-ancestors 'none'/.test(csp) ? '' : 'a CSP that allows framing',
    h['x-frame-options'] === 'DENY' ? '' : 'no X-Frame-Options DENY',
    h['referrer-policy'] === 'no-referrer' ? '' : 'a Referer may leave',
    h['access-control-allow-origin'] === undefined ? '' : 'a CORS header'
  ].filter((p) => p !== '')
}

async function nativeSession (ctx: Ctx): Promise<LightMyRequestResponse> {
  const native = pkcePair()
  const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: NATIVE_REDIRECT, codeChallenge: hexChallenge(native.verifier) })
  return await ctx.app.inject({ method: 'POST', url: '/auth/tiktok/exchange', headers: { origin: 'https://evil.example' }, payload: { code, code_verifier: native.verifier, redirect_uri: NATIVE_REDIRECT } })
}

t.test('JSON answers, successes and errors, carry the API security headers and no CORS', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  const origin = { origin: 'https://evil.example' }
  const cases: Array<[string, Promise<LightMyRequestResponse>]> = [
    ['GET /me', ctx.app.inject({ url: '/me', headers: { ...auth(token), ...origin } })],
    ['GET /me 401', ctx.app.inject({ url: '/me', headers: origin })],
    ['GET /scopes', ctx.app.inject({ url: '/scopes', headers: origin })],
    ['GET /health/live', ctx.app.inject({ url: '/health/live', headers: origin })],
    ['POST /auth/session 400', ctx.app.inject({ method: 'POST', url: '/auth/session', headers: origin, payload: { code: 'x', code_verifier: pkcePair().verifier } })],
    ['POST /internal/introspect', ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: { ...auth(INTERNAL_KEY), ...origin }, payload: { token } })],
    ['404', ctx.app.inject({ url: '/nope', headers: origin })],
    ['bad JSON', ctx.app.inject({ method: 'POST', url: '/auth/session', headers: { ...origin, 'content-type': 'application/json' }, payload: '{' })],
    ['POST /auth/tiktok/exchange', nativeSession(ctx)]
  ]
  for (const [name, pending] of cases) t.same(apiHeaderProblems(await pending), [], name)
})

t.test('answers that carry secrets are never cached; /me is private', async (t) => {
  const ctx = await build(t)
  const pkce = pkcePair()
  const start = await ctx.app.inject({ url: '/auth/tiktok/login', query: { redirect_uri: APP_REDIRECT, code_challenge: pkce.challenge, code_challenge_method: 'S256' } })
  t.equal(start.headers['cache-control'], 'no-store', 'login redirect (our state)')
  const authorize = new URL(start.headers.location as string)
  const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: ctx.config.callbackUrl, codeChallenge: authorize.searchParams.get('code_challenge') as string })
  const cb = await ctx.app.inject({ url: '/auth/tiktok/callback', query: { code, state: authorize.searchParams.get('state') as string } })
  t.equal(cb.headers['cache-control'], 'no-store', 'callback redirect (the handoff code)')
  const handoff = new URL(cb.headers.location as string).searchParams.get('code') as string
  const session = await ctx.app.inject({ method: 'POST', url: '/auth/session', payload: { code: handoff, code_verifier: pkce.verifier } })
  t.equal(session.statusCode, 201)
  t.equal(session.headers['cache-control'], 'no-store', 'POST /auth/session (the session token)')
  t.equal((await nativeSession(ctx)).headers['cache-control'], 'no-store', 'POST /auth/tiktok/exchange (the session token)')
  const token = session.json().data.session.token as string
  const introspect = await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL_KEY), payload: { token } })
  t.equal(introspect.headers['cache-control'], 'no-store', 'introspection')
  const me = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(me.headers['cache-control'], 'private, no-cache', '/me keeps its own policy')
  t.equal((await ctx.app.inject({ url: '/me?fields=nope', headers: auth(token) })).headers['cache-control'], 'no-store', 'error envelopes')
})

t.test('no CORS: a preflight on any route is a 404 envelope with no Access-Control header', async (t) => {
  const ctx = await build(t)
  for (const url of ['/me', '/auth/session', '/auth/tiktok/exchange', '/auth/logout', '/internal/introspect', '/scopes', '/auth/tiktok/login']) {
    const res = await ctx.app.inject({ method: 'OPTIONS', url, headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } })
    t.equal(res.statusCode, 404, `OPTIONS ${url}`)
    t.equal(res.json().error.code, 'not_found')
    t.same(Object.keys(res.headers).filter((h) => h.startsWith('access-control-')), [], `OPTIONS ${url}: no Access-Control header`)
    t.equal(res.headers['x-content-type-options'], 'nosniff')
  }
})

t.test('/docs keeps swagger-ui\'s CSP, its assets load; /demo/ keeps its own CSP', async (t) => {
  const ctx = await build(t, { app: { demo: true } })
  const docs = await ctx.app.inject({ url: '/docs' })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /text\/html/)
  const csp = docs.headers['content-security-policy'] as string
  t.match(csp, /script-src 'self'/, 'swagger-ui\'s static CSP')
  t.notMatch(csp, /default-src 'none'/, 'not the API\'s')
  t.equal(docs.headers['x-content-type-options'], 'nosniff')
  const assets = [...docs.body.matchAll(/(?:src|href)="(\/docs\/static\/[^"]+)"/g)].map((m) => m[1] as string)
  t.ok(assets.length >= 4, `assets referenced: ${assets.length}`)
  for (const asset of assets) {
    const res = await ctx.app.inject({ url: asset })
    t.equal(res.statusCode, 200, asset)
    t.equal(res.headers['content-security-policy'], csp, `${asset}: the same CSP`)
  }
  t.equal((await ctx.app.inject({ url: '/docs/json' })).statusCode, 200)

  const demo = await ctx.app.inject({ url: '/demo/' })
  t.equal(demo.statusCode, 200)
  t.match(demo.headers['content-security-policy'], /script-src 'unsafe-inline'/, 'the demo page\'s own CSP')
  t.match(demo.headers['content-security-policy'], /frame-ancestors 'none'/)
  t.equal(demo.headers['referrer-policy'], 'no-referrer', 'the handoff code in its URL never leaves in a Referer')
  t.equal(demo.headers['x-content-type-options'], 'nosniff')
  t.equal(demo.headers['cache-control'], 'no-store')
})
