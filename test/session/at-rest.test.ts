import t from 'tap'
import { auth, build, login } from '../helper.js'
import { createKeys, digest } from '../../src/session/keys.js'
import { SAMPLE_USERS } from '../../src/emulator/index.js'

// TikTok tokens at rest are AES-256-GCM sealed to the session and field they belong
// to (associated data). Someone who can write to Redis but has no key cannot move a user's
// tokens into another session, nor alter them: the session is refused, TikTok is never asked
// with them, and nothing crashes (docs/security.md, "Store tampering").

const [SOMCHAI, EMMA] = SAMPLE_USERS as [typeof SAMPLE_USERS[number], typeof SAMPLE_USERS[number]]

t.test('a session record copied under another session\'s key does not open there', async (t) => {
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
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(victim.token) })).statusCode, 200, 'the victim is unaffected')
})

t.test('an altered sealed token is refused, never sent to TikTok', async (t) => {
  const ctx = await build(t)
  const keys = createKeys(ctx.config.store.keyPrefix)
  const { token } = await login(ctx)
  const key = keys.session(digest(token))
  const record = JSON.parse(await ctx.redis.get(key) as string) as { at: string }
  const [id, body] = record.at.split('.') as [string, string]
  const bytes = Buffer.from(body, 'base64url')
  bytes[20] = (bytes[20] as number) ^ 0x01
  await ctx.redis.set(key, JSON.stringify({ ...record, at: `${id}.${bytes.toString('base64url')}` }), 'KEEPTTL')
  const calls = ctx.emulator.controls.counts.user_info
  const res = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(res.statusCode, 401)
  t.equal(ctx.emulator.controls.counts.user_info, calls, 'TikTok never asked')
})
