import t from 'tap'
import { INTERNAL_KEY, auth, build, login, testEnv, type Ctx } from '../helper.js'
import { SAMPLE_USERS, signatureHeader } from '../../src/emulator/index.js'
import { startApp } from '../support/instances.js'

// POST /webhooks/tiktok: only a delivery signed with the client secret, fresh, and for this app
// is believed; authorization.removed then ends every session of the user, on every instance,
// without a revoke call. Anything else changes nothing.

const [SOMCHAI, EMMA] = SAMPLE_USERS as [typeof SAMPLE_USERS[number], typeof SAMPLE_USERS[number]]
const SECRET = 'emulator-client-secret'
const now = (): number => Math.floor(Date.now() / 1000)

function removed (openId: string, over: Record<string, unknown> = {}): string {
  return JSON.stringify({ client_key: 'emulator-client-key', event: 'authorization.removed', create_time: now(), user_openid: openId, content: '{"reason":1}', ...over })
}

/** Delivers `body` with `signature` (default: signed now with the client secret; null: no header). */
async function deliver (ctx: Ctx, body: string, signature: string | null = signatureHeader(SECRET, now(), body)) {
  return await ctx.app.inject({
    method: 'POST',
    url: '/webhooks/tiktok',
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'tiktok-signature': signature }) },
    payload: body
  })
}

const meStatus = async (ctx: Ctx, token: string): Promise<number> => (await ctx.app.inject({ url: '/me?fields=open_id', headers: auth(token) })).statusCode

t.test('authorization.removed ends every session of that user on every instance, and nothing else', async (t) => {
  const ctx = await build(t)
  const other = await startApp(t, testEnv(ctx.emulator.url, {
    REDIS_KEY_PREFIX: ctx.config.store.keyPrefix,
    TOKEN_ENCRYPTION_KEYS: ctx.config.encryptionKeys.map((k) => k.toString('base64')).join(',')
  }))
  const a = await login(ctx, { openId: SOMCHAI.open_id })
  const b = await login(ctx, { openId: SOMCHAI.open_id })
  const keep = await login(ctx, { openId: EMMA.open_id })
  const res = await deliver(ctx, removed(SOMCHAI.open_id))
  t.equal(res.statusCode, 200)
  t.same(res.json().data, { outcome: 'processed' })
  for (const s of [a, b]) {
    t.equal(await meStatus(ctx, s.token), 401, 'ended here')
    const there = await fetch(`${other.url}/me`, { headers: auth(s.token) })
    t.equal(there.status, 401, 'and on the other instance')
    const introspect = await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL_KEY), payload: { token: s.token } })
    t.same(introspect.json().data, { active: false })
  }
  t.equal(await meStatus(ctx, keep.token), 200, 'another user\'s session is untouched')
  t.equal(ctx.emulator.controls.counts.revoke, 0, 'no revoke call: TikTok ended the grant itself')
})

t.test('the emulator\'s "Remove access" reaches the service through a signed delivery', async (t) => {
  const ctx = await build(t)
  await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = ctx.app.server.address() as { port: number }
  ctx.emulator.controls.setWebhookUrl(`http://127.0.0.1:${port}/webhooks/tiktok`)
  const s = await login(ctx, { openId: SOMCHAI.open_id })
  const delivery = await ctx.emulator.controls.removeAccess(SOMCHAI.open_id)
  t.same(delivery, { delivered: true, status: 200 })
  t.equal(await meStatus(ctx, s.token), 401)
})

t.test('forged, stale, altered, foreign and unsigned deliveries: 401, nothing changes', async (t) => {
  const ctx = await build(t)
  const s = await login(ctx, { openId: SOMCHAI.open_id })
  const body = removed(SOMCHAI.open_id)
  const old = now() - 301
  const foreign = removed(SOMCHAI.open_id, { client_key: 'another-app' })
  const cases: Array<[string, string, string | null]> = [
    ['no signature', body, null],
    ['signed with another secret', body, signatureHeader('not-the-secret', now(), body)],
    ['a signature of another body', body, signatureHeader(SECRET, now(), removed(EMMA.open_id))],
    ['the body altered after signing', removed(SOMCHAI.open_id, { event: 'authorization.removed ' }), signatureHeader(SECRET, now(), body)],
    ['the timestamp altered after signing', body, signatureHeader(SECRET, now(), body).replace(/^t=\d+/, `t=${now() - 1}`)],
    ['stale (301 s old)', body, signatureHeader(SECRET, old, body)],
    ['from the future (301 s)', body, signatureHeader(SECRET, now() + 301, body)],
    ['another app\'s client_key', foreign, signatureHeader(SECRET, now(), foreign)],
    ['garbage header', body, 'garbage'],
    ['not JSON, but signed', 'not json', signatureHeader(SECRET, now(), 'not json')]
  ]
  for (const [name, payload, signature] of cases) {
    const res = await deliver(ctx, payload, signature)
    t.equal(res.statusCode, 401, name)
    t.equal(res.json().error.code, 'access_token_invalid', name)
  }
  t.equal(await meStatus(ctx, s.token), 200, 'the session is alive')
  const metrics = (await ctx.app.inject({ url: '/metrics' })).body
  t.match(metrics, /tiktok_webhooks_total\{event="unverified",outcome="refused"\} 10/)
})

t.test('a repeated delivery answers 200 and changes nothing more; other events are ignored', async (t) => {
  const ctx = await build(t)
  const first = await login(ctx, { openId: SOMCHAI.open_id })
  const body = removed(SOMCHAI.open_id)
  t.same((await deliver(ctx, body)).json().data, { outcome: 'processed' })
  t.equal(await meStatus(ctx, first.token), 401)
  const again = await login(ctx, { openId: SOMCHAI.open_id })
  const retry = await deliver(ctx, body)
  t.equal(retry.statusCode, 200)
  t.same(retry.json().data, { outcome: 'ignored' }, 'the retry of the same delivery is recognised')
  t.equal(await meStatus(ctx, again.token), 200, 'the session made since is not ended by the retry')

  const other = await deliver(ctx, JSON.stringify({ client_key: 'emulator-client-key', event: 'video.publish.completed', create_time: now(), user_openid: SOMCHAI.open_id, content: '{}' }))
  t.same(other.json().data, { outcome: 'ignored' })
  t.equal(await meStatus(ctx, again.token), 200)
  const metrics = (await ctx.app.inject({ url: '/metrics' })).body
  t.match(metrics, /tiktok_webhooks_total\{event="authorization.removed",outcome="processed"\} 1/)
  t.match(metrics, /tiktok_webhooks_total\{event="authorization.removed",outcome="ignored"\} 1/)
  t.match(metrics, /tiktok_webhooks_total\{event="video.publish.completed",outcome="ignored"\} 1/)
})

t.test('a signed delivery is read whatever its media type', async (t) => {
  const ctx = await build(t)
  for (const type of ['application/json; charset=utf-8', 'text/plain', undefined]) {
    const s = await login(ctx, { openId: SOMCHAI.open_id })
    const body = removed(SOMCHAI.open_id, { create_time: now() + Math.random() })
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/tiktok',
      headers: { ...(type === undefined ? {} : { 'content-type': type }), 'tiktok-signature': signatureHeader(SECRET, now(), body) },
      payload: body
    })
    t.equal(res.statusCode, 200, String(type))
    t.equal(await meStatus(ctx, s.token), 401, `${String(type)}: the session ended`)
  }
})
