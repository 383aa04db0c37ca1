import t from 'tap'
import { APP_REDIRECT, INTERNAL_KEY, auth, build, login, pkcePair } from '../helper.js'
import { createKeys, digest } from '../../src/session/keys.js'
import { SAMPLE_USERS } from '../../src/emulator/index.js'

// What someone who can write to Redis, but holds no TOKEN_ENCRYPTION_KEYS key, can do with the
// records: nothing. Every record is signed for its own key name and TikTok's tokens are sealed
// to their session and field, so a record copied under another key, or edited, reads as absent:
// 401 on /me, `active: false` on introspection, no redirect at the callback; TikTok is never
// asked with a moved token, and nothing crashes (docs/security.md, "Store tampering").

const [SOMCHAI, EMMA] = SAMPLE_USERS as [typeof SAMPLE_USERS[number], typeof SAMPLE_USERS[number]]

/** The parts of a stored record: `<key id>.<MAC>.<value>`. */
function parts (raw: string): { head: string, value: string } {
  const second = raw.indexOf('.', raw.indexOf('.') + 1)
  return { head: raw.slice(0, second), value: raw.slice(second + 1) }
}

t.test('a session record copied under another session\'s key is not honoured there', async (t) => {
  const ctx = await build(t)
  const keys = createKeys(ctx.config.store.keyPrefix)
  const victim = await login(ctx, { openId: SOMCHAI.open_id })
  const attacker = await login(ctx, { openId: EMMA.open_id })
  const stolen = await ctx.redis.get(keys.session(digest(victim.token)))
  t.ok(stolen, 'the victim\'s record')
  await ctx.redis.set(keys.session(digest(attacker.token)), stolen as string, 'PX', 60_000)
  const calls = ctx.emulator.controls.counts.user_info
  const res = await ctx.app.inject({ url: '/me', headers: auth(attacker.token) })
  t.equal(res.statusCode, 401, 'refused, not the victim\'s profile and not a 500')
  t.equal(res.json().error.code, 'access_token_invalid')
  t.notMatch(res.body, new RegExp(SOMCHAI.display_name))
  t.equal(ctx.emulator.controls.counts.user_info, calls, 'TikTok never asked with the victim\'s token')
  const introspect = await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL_KEY), payload: { token: attacker.token } })
  t.same(introspect.json().data, { active: false }, 'introspection does not vouch for the victim')
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(victim.token) })).statusCode, 200, 'the victim is unaffected')
})

t.test('an edited session record is not honoured: 401, active false', async (t) => {
  const ctx = await build(t)
  const keys = createKeys(ctx.config.store.keyPrefix)
  const { token } = await login(ctx, { openId: EMMA.open_id })
  const key = keys.session(digest(token))
  const { head, value } = parts(await ctx.redis.get(key) as string)
  const edited = JSON.stringify({ ...JSON.parse(value), openId: SOMCHAI.open_id, scopes: ['user.info.basic', 'user.info.stats'] })
  await ctx.redis.set(key, `${head}.${edited}`, 'KEEPTTL')
  const introspect = await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL_KEY), payload: { token } })
  t.same(introspect.json().data, { active: false }, 'never vouches for the edited open_id')
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 401)
})

t.test('an altered sealed token is refused, never sent to TikTok', async (t) => {
  const ctx = await build(t)
  const keys = createKeys(ctx.config.store.keyPrefix)
  const { token } = await login(ctx)
  const key = keys.session(digest(token))
  const { head, value } = parts(await ctx.redis.get(key) as string)
  const record = JSON.parse(value) as { at: string }
  const [id, body] = record.at.split('.') as [string, string]
  const bytes = Buffer.from(body, 'base64url')
  bytes[20] = (bytes[20] as number) ^ 0x01
  await ctx.redis.set(key, `${head}.${JSON.stringify({ ...record, at: `${id}.${bytes.toString('base64url')}` })}`, 'KEEPTTL')
  const calls = ctx.emulator.controls.counts.user_info
  const res = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(res.statusCode, 401)
  t.equal(ctx.emulator.controls.counts.user_info, calls, 'TikTok never asked')
})

t.test('a pending login rewritten to another redirect_uri sends nobody there', async (t) => {
  const ctx = await build(t)
  const pkce = pkcePair()
  const start = await ctx.app.inject({ url: '/auth/tiktok/login', query: { redirect_uri: APP_REDIRECT, code_challenge: pkce.challenge } })
  const authorize = new URL(start.headers.location as string)
  const [key] = await ctx.dataKeys()
  const { head, value } = parts(await ctx.redis.get(key as string) as string)
  await ctx.redis.set(key as string, `${head}.${value.replace(APP_REDIRECT, 'https://evil.example/cb')}`, 'KEEPTTL')
  const code = ctx.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: ctx.config.callbackUrl, codeChallenge: authorize.searchParams.get('code_challenge') ?? '' })
  const back = await ctx.app.inject({ url: '/auth/tiktok/callback', query: { code, state: authorize.searchParams.get('state') ?? '' } })
  t.equal(back.statusCode, 400, 'refused')
  t.notOk(back.headers.location, 'no redirect at all')
  t.equal(ctx.emulator.controls.counts.token, 0, 'the code was never exchanged')
})

t.test('a redirect taken off the allow-list after the login began is not followed', async (t) => {
  const first = await build(t)
  const pkce = pkcePair()
  const start = await first.app.inject({ url: '/auth/tiktok/login', query: { redirect_uri: APP_REDIRECT, code_challenge: pkce.challenge } })
  const authorize = new URL(start.headers.location as string)
  // The same store and keys, restarted with a narrower allow-list.
  const narrowed = await build(t, {
    env: { REDIS_KEY_PREFIX: first.config.store.keyPrefix, TOKEN_ENCRYPTION_KEYS: first.config.encryptionKeys.map((k) => k.toString('base64')).join(','), APP_REDIRECT_URIS: 'com.example.app:/oauth' }
  })
  const code = first.emulator.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: first.config.callbackUrl, codeChallenge: authorize.searchParams.get('code_challenge') ?? '' })
  const back = await narrowed.app.inject({ url: '/auth/tiktok/callback', query: { code, state: authorize.searchParams.get('state') ?? '' } })
  t.equal(back.statusCode, 400)
  t.notOk(back.headers.location)
})
