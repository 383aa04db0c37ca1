import { readFileSync } from 'node:fs'
import t from 'tap'
import type { InjectOptions } from 'fastify'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { APP_REDIRECT, NATIVE_REDIRECT, auth, build, login, nativeCode, pkcePair, type Ctx } from './helper.js'
import { SAMPLE_USERS, signatureHeader } from '../src/emulator/index.js'

// Every answer of every route, from real requests, validates against the committed OpenAPI
// document: the schema of its operation for its status (JSON Schema 2020-12, as OpenAPI 3.1).

type InjectOpts = InjectOptions & { url: string }
interface Seen { method: string, path: string, status: number, contentType: string, body: string }

const doc = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>
}
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020
const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true }))
ajv.addKeyword({ keyword: 'x-tiktok-scope', schemaType: 'string' })

const INTERNAL = 'internal-secret-0123456789abcdef'
const SOMCHAI = SAMPLE_USERS[0] as { open_id: string }
const templates = Object.keys(doc.paths).map((p) => ({ p, re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
const pathOf = (url: string): string => {
  const bare = url.split('?')[0] ?? ''
  return templates.find((x) => x.re.test(bare))?.p ?? bare
}

function collector (seen: Seen[]) {
  return async (ctx: Ctx, opts: InjectOpts) => {
    const res = await ctx.app.inject(opts)
    seen.push({ method: String(opts.method ?? 'GET').toLowerCase(), path: pathOf(opts.url), status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body })
    return res
  }
}

async function healthyService (t: Parameters<typeof build>[0], hit: ReturnType<typeof collector>): Promise<void> {
  const ctx = await build(t, { env: { TIKTOK_TIMEOUT_MS: '400' } })
  const pkce = pkcePair()
  const start = await hit(ctx, { url: '/auth/tiktok/login', query: { redirect_uri: APP_REDIRECT, code_challenge: pkce.challenge, state: 's' } })
  await hit(ctx, { url: '/auth/tiktok/login', query: { redirect_uri: 'https://evil.example/cb', code_challenge: pkce.challenge } })
  const authorize = new URL(String(start.headers.location))
  const state = authorize.searchParams.get('state') ?? ''
  const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: ctx.config.callbackUrl, codeChallenge: authorize.searchParams.get('code_challenge') ?? '' })
  const back = await hit(ctx, { url: '/auth/tiktok/callback', query: { code, state } })
  await hit(ctx, { url: '/auth/tiktok/callback', query: { code } })
  const handoff = new URL(String(back.headers.location)).searchParams.get('code') ?? ''
  await hit(ctx, { method: 'POST', url: '/auth/session', payload: { code: handoff, code_verifier: pkce.verifier } })
  await hit(ctx, { method: 'POST', url: '/auth/session', payload: { code: handoff, code_verifier: pkce.verifier } })
  await hit(ctx, { method: 'POST', url: '/auth/session', payload: { code: handoff } })

  const n = nativeCode(ctx)
  await hit(ctx, { method: 'POST', url: '/auth/tiktok/exchange', payload: { code: n.code, code_verifier: n.verifier, redirect_uri: NATIVE_REDIRECT } })
  await hit(ctx, { method: 'POST', url: '/auth/tiktok/exchange', payload: { code: n.code, code_verifier: n.verifier, redirect_uri: 'https://evil.example/cb' } })
  ctx.emulator.controls.forceNext('token', { status: 500, raw: 'down' })
  await hit(ctx, { method: 'POST', url: '/auth/tiktok/exchange', payload: { code: 'c', code_verifier: n.verifier, redirect_uri: NATIVE_REDIRECT } })

  const { token } = await login(ctx)
  const { token: narrow } = await login(ctx, { scopes: ['user.info.basic'] })
  const me = await hit(ctx, { url: '/me', headers: auth(token) })
  await hit(ctx, { url: '/me', headers: { ...auth(token), 'if-none-match': String(me.headers.etag) } })
  await hit(ctx, { url: '/me?fields=email', headers: auth(token) })
  await hit(ctx, { url: '/me' })
  await hit(ctx, { url: '/me?fields=username', headers: auth(narrow) })
  ctx.emulator.controls.forceNext('user_info', { status: 429, headers: { 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 20) }, raw: '' })
  await hit(ctx, { url: '/me', headers: auth(token) })
  ctx.emulator.controls.forceNext('user_info', { status: 500, raw: '<html>' })
  await hit(ctx, { url: '/me', headers: auth(token) })

  await hit(ctx, { url: '/scopes' })
  await hit(ctx, { url: '/scopes', headers: { 'accept-language': 'th' } })
  await hit(ctx, { url: '/health/live' })
  await hit(ctx, { url: '/health/ready' })

  await hit(ctx, { method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL), payload: { token } })
  await hit(ctx, { method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL), payload: { token: 'nope' } })
  await hit(ctx, { method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL), payload: {} })
  await hit(ctx, { method: 'POST', url: '/internal/introspect', headers: auth('wrong-key-0123456789'), payload: { token } })
  await hit(ctx, { url: `/internal/users/${SOMCHAI.open_id}?fields=display_name,open_id`, headers: auth(INTERNAL) })
  await hit(ctx, { url: `/internal/users/${SOMCHAI.open_id}?fields=follower_count`, headers: auth(INTERNAL) })
  await hit(ctx, { url: `/internal/users/${SOMCHAI.open_id}?fields=nope`, headers: auth(INTERNAL) })
  await hit(ctx, { url: '/internal/users/unknown-user', headers: auth(INTERNAL) })
  await hit(ctx, { url: `/internal/users/${SOMCHAI.open_id}` })
  ctx.emulator.controls.forceNext('user_info', { status: 503, raw: 'busy' })
  await hit(ctx, { url: `/internal/users/${SOMCHAI.open_id}`, headers: auth(INTERNAL) })

  await hit(ctx, { method: 'POST', url: '/auth/logout', headers: auth(narrow), payload: { all_sessions: 'maybe' } })
  await hit(ctx, { method: 'POST', url: '/auth/logout', headers: auth(narrow), payload: { all_sessions: true } })
  await hit(ctx, { url: `/internal/users/${SOMCHAI.open_id}?fields=username`, headers: auth(INTERNAL) })
  await hit(ctx, { method: 'POST', url: '/auth/logout', headers: auth(token) })

  // Credentials are checked before the body is read: these carry live ones.
  const live = await login(ctx)
  for (const url of ['/auth/session', '/auth/tiktok/exchange', '/auth/logout', '/internal/introspect']) {
    const headers = url.startsWith('/internal') ? auth(INTERNAL) : url === '/auth/logout' ? auth(live.token) : {}
    await hit(ctx, { method: 'POST', url, headers: { ...headers, 'content-type': 'text/plain' }, payload: 'code=x' })
    await hit(ctx, { method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify({ code: 'x'.repeat(20_000) }) })
  }

  // The user's videos, and TikTok's webhooks.
  const viewer = await login(ctx, { appScope: 'user.info.basic,video.list' })
  const page = await hit(ctx, { url: '/me/videos?max_count=3', headers: auth(viewer.token) })
  await hit(ctx, { url: '/me/videos?max_count=3', headers: { ...auth(viewer.token), 'if-none-match': String(page.headers.etag) } })
  await hit(ctx, { url: '/me/videos?max_count=0', headers: auth(viewer.token) })
  await hit(ctx, { url: '/me/videos' })
  const basicOnly = await login(ctx, { scopes: ['user.info.basic'] })
  await hit(ctx, { url: '/me/videos', headers: auth(basicOnly.token) })
  ctx.emulator.controls.forceNext('video_list', { status: 429, raw: '' })
  await hit(ctx, { url: '/me/videos', headers: auth(viewer.token) })
  ctx.emulator.controls.forceNext('video_list', { status: 502, raw: 'bad gateway' })
  await hit(ctx, { url: '/me/videos', headers: auth(viewer.token) })
  ctx.emulator.controls.setDelay('video_list', 1500)
  await hit(ctx, { url: '/me/videos', headers: auth(viewer.token) })
  ctx.emulator.controls.setDelay('video_list', 0)
  const delivery = JSON.stringify({ client_key: 'emulator-client-key', event: 'authorization.removed', create_time: Math.floor(Date.now() / 1000), user_openid: SOMCHAI.open_id, content: '{"reason":1}' })
  const signed = { 'content-type': 'application/json', 'tiktok-signature': signatureHeader('emulator-client-secret', Math.floor(Date.now() / 1000), delivery) }
  await hit(ctx, { method: 'POST', url: '/webhooks/tiktok', headers: signed, payload: delivery })
  await hit(ctx, { method: 'POST', url: '/webhooks/tiktok', headers: { 'content-type': 'application/json' }, payload: delivery })
  await hit(ctx, { method: 'POST', url: '/webhooks/tiktok', headers: { ...signed, 'content-type': 'text/plain' }, payload: delivery })
  await hit(ctx, { method: 'POST', url: '/webhooks/tiktok', headers: signed, payload: 'x'.repeat(20_000) })

  const again = await login(ctx)
  ctx.emulator.controls.setDelay('user_info', 1500)
  await hit(ctx, { url: '/me', headers: auth(again.token) })
  await hit(ctx, { url: `/internal/users/${SOMCHAI.open_id}`, headers: auth(INTERNAL) })
  ctx.emulator.controls.setDelay('token', 1500)
  const late = nativeCode(ctx)
  await hit(ctx, { method: 'POST', url: '/auth/tiktok/exchange', payload: { code: late.code, code_verifier: late.verifier, redirect_uri: NATIVE_REDIRECT } })
}

async function limitedService (t: Parameters<typeof build>[0], hit: ReturnType<typeof collector>): Promise<void> {
  const ctx = await build(t, { env: { RATE_LIMIT_AUTH_PER_MINUTE: '1', RATE_LIMIT_ME_PER_MINUTE: '1', RATE_LIMIT_INTERNAL_PER_MINUTE: '1' } })
  const token = 'a-token-that-is-not-live'
  const requests: InjectOpts[] = [
    { url: '/auth/tiktok/login?redirect_uri=x&code_challenge=y' },
    { url: '/auth/tiktok/callback' },
    { method: 'POST', url: '/auth/session', payload: { code: 'x', code_verifier: 'y'.repeat(43) } },
    { method: 'POST', url: '/auth/tiktok/exchange', payload: { code: 'x', code_verifier: 'y', redirect_uri: 'z' } },
    { method: 'POST', url: '/auth/logout', headers: auth(token) },
    { url: '/me', headers: auth(token) },
    { url: '/me/videos', headers: auth(token) }
  ]
  for (const r of requests) for (let i = 0; i < 2; i++) await hit(ctx, r)
  // One budget per key across /internal/*: the second and third requests are over it.
  for (let i = 0; i < 2; i++) await hit(ctx, { method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL), payload: { token } })
  await hit(ctx, { url: `/internal/users/${SOMCHAI.open_id}`, headers: auth(INTERNAL) })
}

async function storeDown (t: Parameters<typeof build>[0], hit: ReturnType<typeof collector>): Promise<void> {
  // Nothing listens on port 1: every store command fails at once.
  const ctx = await build(t, { env: { REDIS_URL: 'redis://127.0.0.1:1' } })
  const pkce = pkcePair()
  const n = nativeCode(ctx)
  await hit(ctx, { url: '/auth/tiktok/login', query: { redirect_uri: APP_REDIRECT, code_challenge: pkce.challenge } })
  await hit(ctx, { url: '/auth/tiktok/callback', query: { code: 'c', state: 's' } })
  await hit(ctx, { method: 'POST', url: '/auth/session', payload: { code: 'x', code_verifier: pkce.verifier } })
  await hit(ctx, { method: 'POST', url: '/auth/tiktok/exchange', payload: { code: n.code, code_verifier: n.verifier, redirect_uri: NATIVE_REDIRECT } })
  await hit(ctx, { method: 'POST', url: '/auth/logout', headers: auth('t') })
  await hit(ctx, { url: '/me', headers: auth('t') })
  await hit(ctx, { url: '/me/videos', headers: auth('t') })
  const delivery = JSON.stringify({ client_key: 'emulator-client-key', event: 'authorization.removed', create_time: Math.floor(Date.now() / 1000), user_openid: SOMCHAI.open_id, content: '{}' })
  await hit(ctx, { method: 'POST', url: '/webhooks/tiktok', headers: { 'content-type': 'application/json', 'tiktok-signature': signatureHeader('emulator-client-secret', Math.floor(Date.now() / 1000), delivery) }, payload: delivery })
  await hit(ctx, { url: '/health/ready' })
  await hit(ctx, { method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL), payload: { token: 't' } })
  await hit(ctx, { url: `/internal/users/${SOMCHAI.open_id}`, headers: auth(INTERNAL) })
}

t.test('every answer validates against its operation\'s response schema in openapi/openapi.json', async (t) => {
  const seen: Seen[] = []
  const hit = collector(seen)
  await healthyService(t, hit)
  await limitedService(t, hit)
  await storeDown(t, hit)

  const validators = new Map<object, ValidateFunction>()
  for (const s of seen) {
    const name = `${s.method.toUpperCase()} ${s.path} ${s.status}`
    const response = doc.paths[s.path]?.[s.method]?.responses[String(s.status)]
    t.ok(response, `${name} is documented`)
    if (response === undefined) continue
    const schema = response.content?.['application/json']?.schema
    if (schema === undefined) {
      t.equal(s.body, '', `${name}: no body, as documented`)
      continue
    }
    t.match(s.contentType, /^application\/json/, `${name}: JSON`)
    const validate = validators.get(schema) ?? ajv.compile(schema)
    validators.set(schema, validate)
    const ok = validate(JSON.parse(s.body))
    t.ok(ok, `${name} validates`, { errors: validate.errors, body: s.body })
  }

  // Every documented answer that a request can produce was produced (500 needs a bug).
  const produced = new Set(seen.map((s) => `${s.method} ${s.path} ${s.status}`))
  const unproduced: string[] = []
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      for (const status of Object.keys(op.responses)) {
        if (!produced.has(`${method} ${path} ${status}`)) unproduced.push(`${method} ${path} ${status}`)
      }
    }
  }
  // Not produced here: 500s (bugs), and what only a missing Host header (400) or the overload
  // guard (503) gives routes that check nothing of their own.
  t.same(unproduced.filter((u) => !/ 500$/.test(u) && !/\/(scopes|health\/\w+) (400|429|503)$/.test(u) && !/webhooks\/tiktok 400$/.test(u)), [], 'every producible documented answer was checked')
})

t.test('/me types the counts as integers (int64) and the rest as TikTok does', async (t) => {
  const user = (doc.paths['/me']?.get?.responses['200']?.content?.['application/json']?.schema as { properties: { data: { properties: { user: { properties: Record<string, { type: string, format?: string }> } } } } })
    .properties.data.properties.user.properties
  for (const f of ['follower_count', 'following_count', 'likes_count', 'video_count']) {
    t.equal(user[f]?.type, 'integer', `${f} is an integer`)
    t.equal(user[f]?.format, 'int64')
  }
  t.equal(user.is_verified?.type, 'boolean')
  t.equal(user.open_id?.type, 'string')
  t.notOk(ajv.validate(doc.paths['/me']?.get?.responses['200']?.content?.['application/json']?.schema as object, {
    data: { user: { follower_count: 1.5 } }, error: { code: 'ok', message: '', log_id: '20261124093011A1B2C3D4E5F6A7B8C9D0E1' }
  }), 'a fractional count is refused')
})
