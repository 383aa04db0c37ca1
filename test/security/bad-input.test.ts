import t from 'tap'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { APP_REDIRECT, NATIVE_REDIRECT, build, login, pkcePair, type Ctx } from '../helper.js'
import { LOG_ID_PATTERN } from '../../src/envelope.js'
import { FIELD_NAMES } from '../../src/scopes/catalogue.js'

// Seeded random bad input over every route, through app.inject. Whatever comes in,
// the answer is never a 5xx, always the envelope (except redirects, 304 and the HTML/asset
// routes), and a refused request neither calls TikTok nor writes to the store (rate-limit
// counters under `rl:` aside). Raw-socket input is in raw-http.test.ts.

const SEED = 20261125
const RUNS = 600
const OPEN_ID = '723f24d7-e717-40f8-a2b6-cb8464cd23b4'
const INTERNAL_KEY = 'internal-secret-0123456789abcdef'
const LIVE = '\u0000live-session\u0000' // replaced by the current session token at run time

const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/auth/tiktok/login'], ['GET', '/auth/tiktok/callback'], ['POST', '/auth/session'], ['POST', '/auth/tiktok/exchange'],
  ['POST', '/auth/logout'], ['GET', '/me'], ['GET', '/scopes'], ['POST', '/internal/introspect'], ['GET', `/internal/users/${OPEN_ID}`],
  ['GET', '/internal/users/nobody'], ['GET', '/health/live'], ['GET', '/health/ready'], ['GET', '/metrics'], ['GET', '/openapi.json'],
  ['GET', '/docs'], ['GET', '/docs/json'], ['GET', '/demo/'], ['GET', '/']
]
/** Answers that are not the envelope when they succeed: documents, pages and assets. */
const NOT_ENVELOPE = /^\/(docs|demo|metrics|openapi\.json)(\/|$|\?)/

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH', 'LOCK', 'MKCOL', 'COPY', 'REPORT'] as const

/** Percent-encodes every byte outside RFC 3986's unreserved set (lone surrogates become U+FFFD). */
function pct (s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
}

const printable = (max = 200) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max })
const anyText = (max = 200) => fc.oneof(fc.string({ maxLength: max }), fc.string({ unit: 'binary', maxLength: max }), printable(max))
const huge = fc.integer({ min: 3000, max: 9000 }).map((n) => 'x'.repeat(n))

const paramName = fc.oneof(
  fc.constantFrom('redirect_uri', 'scope', 'code_challenge', 'code_challenge_method', 'state', 'code', 'error', 'error_description',
    'scopes', 'fields', 'errCode', '__proto__', 'constructor', 'prototype', 'redirect_uri[]', 'fields[0]', ''),
  anyText(20)
)
const paramValue = fc.oneof(
  anyText(),
  huge,
  fc.constantFrom(APP_REDIRECT, NATIVE_REDIRECT, `${APP_REDIRECT}/`, 'javascript:alert(1)', pkcePair().challenge, 'S256', 'plain',
    'user.info.basic', 'user.info.basic,user.info.stats', 'video.list,,', FIELD_NAMES.join(','), 'display_name,email', 'access_denied', '%', '%zz', '%C0%AF', '\u0000', '')
)
/** A query string: encoded, raw, or both, with repeated and empty parameters. */
const query = fc.array(fc.tuple(paramName, paramValue, fc.boolean()), { maxLength: 6 })
  .map((pairs) => pairs.map(([k, v, raw]) => raw ? `${pct(k)}=${v.replace(/[^\x21-\x7e]|#/g, (c) => pct(c))}` : `${pct(k)}=${pct(v)}`).join('&'))

const suffix = fc.oneof(
  { arbitrary: fc.constant(''), weight: 12 },
  { arbitrary: fc.constantFrom('/', '//', '/..', '/../me', '/./', '/%2e%2e/', '%2F', ';x=1', '.json', '/x', '%20', '%00', '/%C0%AF', '%E2%80%8F', '~'), weight: 3 },
  { arbitrary: anyText(30).map((s) => `/${pct(s)}`), weight: 1 }
)
/** Mostly the route's own method and path, sometimes another method, a path variant or upper case. */
const target = fc.tuple(
  fc.constantFrom(...ROUTES),
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 7 }, { arbitrary: fc.constantFrom(...METHODS), weight: 3 }),
  suffix,
  fc.oneof({ arbitrary: fc.constant(false), weight: 19 }, { arbitrary: fc.constant(true), weight: 1 })
).map(([[m, p], method, s, upper]) => ({ method: method ?? m, path: upper ? (p + s).toUpperCase() : p + s }))

const authorization = fc.oneof(
  fc.constantFrom(undefined, `Bearer ${LIVE}`, `Bearer ${INTERNAL_KEY}`, `bearer ${LIVE}`, 'Bearer ', 'Bearer', 'Basic Zm9vOmJhcg==', `Bearer ${INTERNAL_KEY} x`, `Bearer  ${LIVE}`),
  printable(100).map((s) => `Bearer ${s}`),
  huge.map((s) => `Bearer ${s}`)
)
const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 6 },
  fc.constantFrom(undefined, 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'APPLICATION/JSON',
    'application/json, text/plain', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/jsonx', ''),
  printable(60)
)
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((n) => !['host', 'content-length', 'transfer-encoding', 'content-type', 'authorization', 'connection', 'expect', 'upgrade'].includes(n))
const headers = fc.record({
  authorization,
  'content-type': contentType,
  'accept-language': fc.oneof(fc.constant(undefined), fc.constantFrom('th', 'th-TH;q=2, en;q=NaN', '*;q=-1'), printable(100)),
  'if-none-match': fc.oneof(fc.constant(undefined), fc.constantFrom('*', 'W/"x"', '"', ''), printable(100)),
  origin: fc.oneof(fc.constant(undefined), fc.constantFrom('https://evil.example', 'null')),
  'x-forwarded-for': fc.oneof(fc.constant(undefined), printable(40)),
  'x-http-method-override': fc.oneof(fc.constant(undefined), fc.constantFrom('DELETE', 'POST')),
  extra: fc.dictionary(headerName, printable(300), { maxKeys: 4 })
})

const knownBodyKeys = fc.constantFrom('code', 'code_verifier', 'redirect_uri', 'token', 'all_sessions', '__proto__', 'constructor', 'admin')
const bodyValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(LIVE, APP_REDIRECT, NATIVE_REDIRECT, pkcePair().verifier, 'a'.repeat(32), true, null), huge)
const body = fc.oneof(
  fc.constant(undefined),
  fc.json({ maxDepth: 3 }),
  fc.dictionary(knownBodyKeys, bodyValue, { maxKeys: 4 }).map((o) => JSON.stringify(o)),
  fc.constantFrom('', ' ', 'null', '[]', '""', '0', '{', '{"code":', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}',
    '['.repeat(3000) + ']'.repeat(3000), '{"token":"\\ud800"}', '\uFEFF{}', 'code=a&code_verifier=b'),
  anyText(300),
  fc.integer({ min: 16 * 1024, max: 200 * 1024 }).map((n) => JSON.stringify({ code: 'c'.repeat(n), code_verifier: 'v'.repeat(43) }))
)

const request = fc.record({ target, query, headers, body })
type Input = typeof request extends fc.Arbitrary<infer T> ? T : never

function fail (message: string, input: Input, res: LightMyRequestResponse): never {
  throw new Error(`${message}\n  request: ${JSON.stringify(input).slice(0, 600)}\n  answer: ${res.statusCode} ${res.body.slice(0, 300)}`)
}

/** Asserts the envelope ({ data, error: { code, message, log_id } }) on an answer that must carry one. */
function checkEnvelope (input: Input, res: LightMyRequestResponse): void {
  let b: { data?: unknown, error?: { code?: unknown, message?: unknown, log_id?: unknown } }
  try { b = res.json() } catch { return fail('answer is not JSON', input, res) }
  if (typeof b.data !== 'object' || b.data === null || Array.isArray(b.data)) fail('envelope without data object', input, res)
  const e = b.error
  if (e === undefined || typeof e.code !== 'string' || typeof e.message !== 'string' || typeof e.log_id !== 'string') fail('envelope without error', input, res)
  if (!LOG_ID_PATTERN.test(e.log_id as string) || res.headers['x-log-id'] !== e.log_id) fail('log_id missing or not the x-log-id header', input, res)
  if ((e.code === 'ok') !== (res.statusCode < 400)) fail('error.code does not match the status', input, res)
  if (res.statusCode >= 400 && Object.keys(b.data as object).length > 0) fail('an error envelope with data', input, res)
}

async function storeState (ctx: Ctx): Promise<string> {
  return (await ctx.keys()).filter((k) => !k.includes(':rl:')).sort().join('\n')
}

t.test('seeded random requests over every route: no 5xx, always the envelope, refusals change nothing', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_AUTH_PER_MINUTE: '0' }, app: { demo: true } })
  let live = (await login(ctx, { openId: OPEN_ID })).token
  const figures = { inputs: 0, refused: 0, fiveXX: 0, byStatus: new Map<number, number>() }

  await fc.assert(fc.asyncProperty(request, async (input) => {
    const sub = (s: string): string => s.split(LIVE).join(live)
    const h: Record<string, string> = {}
    for (const [k, v] of Object.entries({ ...input.headers, extra: undefined, ...input.headers.extra })) if (typeof v === 'string') h[k] = sub(v)
    const { method, path } = input.target
    const url = input.query === '' ? path : `${path}?${input.query}`
    const before = { store: await storeState(ctx), upstream: JSON.stringify(ctx.emulator.controls.counts) }
    const res = await ctx.app.inject({ method, url, headers: h, ...(input.body === undefined ? {} : { payload: sub(input.body) }) })
    figures.inputs++
    figures.byStatus.set(res.statusCode, (figures.byStatus.get(res.statusCode) ?? 0) + 1)
    if (res.statusCode >= 500) { figures.fiveXX++; fail('5xx', input, res) }
    if (res.headers['access-control-allow-origin'] !== undefined) fail('a CORS header', input, res)
    if (res.headers['x-content-type-options'] !== 'nosniff') fail('no nosniff', input, res)
    const exempt = res.statusCode === 302 || res.statusCode === 304 || method === 'HEAD' || (res.statusCode < 400 && NOT_ENVELOPE.test(url))
    if (!exempt) checkEnvelope(input, res)
    if (res.statusCode >= 400) {
      figures.refused++
      if (JSON.stringify(ctx.emulator.controls.counts) !== before.upstream) fail('a refused request called TikTok', input, res)
      if (await storeState(ctx) !== before.store) fail('a refused request wrote to the store', input, res)
    }
    // A random logout may have ended the live session: the next inputs get a new one.
    if (path.startsWith('/auth/logout') && res.statusCode === 200) live = (await login(ctx, { openId: OPEN_ID })).token
  }), { seed: SEED, numRuns: RUNS, endOnFailure: true })

  t.equal(figures.fiveXX, 0, '5xx seen')
  t.equal(figures.inputs, RUNS, 'inputs tried')
  // The generator reaches the handlers, not only the router: each kind of refusal occurs.
  for (const status of [400, 401, 404, 413, 415]) t.ok(figures.byStatus.has(status), `some inputs answered ${status}`)
  t.comment(`inputs ${figures.inputs}, refused ${figures.refused}, 5xx ${figures.fiveXX}, statuses ${JSON.stringify([...figures.byStatus].sort((a, b) => a[0] - b[0]))}`)
})

// TikTok's side of the callback is input too: random codes, errors and extra parameters on a
// live login's callback (and on a mangled state) end in a 302 to the app's allow-listed URI
// or a 400 envelope, never anything else.
const callbackInput = fc.record({
  code: fc.option(fc.oneof({ arbitrary: fc.constant('ISSUED'), weight: 2 }, { arbitrary: anyText(80), weight: 3 }, { arbitrary: huge, weight: 1 })),
  error: fc.option(fc.oneof(fc.constantFrom('access_denied', 'invalid_scope', 'server_error', ''), anyText(40))),
  error_description: fc.option(anyText(300)),
  extra: fc.array(fc.tuple(paramName, paramValue), { maxLength: 3 }),
  state: fc.constantFrom('live', 'live', 'live', 'mangled', 'missing', 'twice')
})

t.test('seeded random TikTok callbacks: a 302 to the app or a 400 envelope, never a 5xx', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_AUTH_PER_MINUTE: '0' } })
  const figures = { inputs: 0, toApp: 0, refused: 0 }
  await fc.assert(fc.asyncProperty(callbackInput, async (input) => {
    const start = await ctx.app.inject({ url: '/auth/tiktok/login', query: { redirect_uri: APP_REDIRECT, code_challenge: pkcePair().challenge, state: 'app-state' } })
    const authorize = new URL(start.headers.location as string)
    const state = authorize.searchParams.get('state') as string
    const code = input.code === 'ISSUED'
      ? ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: ctx.config.callbackUrl, codeChallenge: authorize.searchParams.get('code_challenge') as string })
      : input.code
    const params: Array<[string, string]> = [...input.extra]
    if (code !== null) params.push(['code', code])
    if (input.error !== null) params.push(['error', input.error])
    if (input.error_description !== null) params.push(['error_description', input.error_description])
    if (input.state === 'live' || input.state === 'twice') params.push(['state', state])
    if (input.state === 'twice') params.push(['state', state])
    if (input.state === 'mangled') params.push(['state', `${state.slice(1)}A`])
    const url = `/auth/tiktok/callback?${params.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')}`
    const before = { store: await storeState(ctx), upstream: JSON.stringify(ctx.emulator.controls.counts) }
    const res = await ctx.app.inject({ url })
    figures.inputs++
    const shown = { ...input, code: code?.slice(0, 80) }
    if (res.statusCode === 302) {
      figures.toApp++
      const location = String(res.headers.location)
      if (!location.startsWith(`${APP_REDIRECT}?`)) throw new Error(`redirect elsewhere: ${location}\n  ${JSON.stringify(shown)}`)
      if (new URL(location).searchParams.get('state') !== 'app-state') throw new Error(`the app's state is not echoed: ${location}`)
    } else if (res.statusCode === 400) {
      figures.refused++
      if (res.json().error.code !== 'invalid_params' || res.headers.location !== undefined) throw new Error(`not a plain 400: ${res.body}`)
      if (JSON.stringify(ctx.emulator.controls.counts) !== before.upstream) throw new Error('a refused callback called TikTok')
      if (await storeState(ctx) !== before.store) throw new Error('a refused callback wrote to the store')
    } else {
      throw new Error(`status ${res.statusCode}: ${res.body.slice(0, 200)}\n  ${JSON.stringify(shown).slice(0, 400)}`)
    }
  }), { seed: SEED, numRuns: 150, endOnFailure: true })
  t.equal(figures.inputs, 150, 'callbacks tried')
  t.ok(figures.toApp > 50 && figures.refused > 20, `both outcomes occurred (${figures.toApp} to the app, ${figures.refused} refused)`)
  t.comment(`callbacks ${figures.inputs}: ${figures.toApp} back to the app, ${figures.refused} refused, 5xx 0`)
})
