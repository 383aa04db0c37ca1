import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { INTERNAL_KEY, auth, build, login } from '../helper.js'
import { SAMPLE_USERS } from '../../src/emulator/index.js'

// Ending sessions: logout revokes a token TikTok still accepts, and a session left unused for
// SESSION_IDLE_TIMEOUT_SECONDS ends by itself, while one in use slides on.

const SOMCHAI = SAMPLE_USERS[0] as { open_id: string }

t.test('logout after the access token expired refreshes it, then revokes the live one: the grant ends at TikTok', async (t) => {
  const ctx = await build(t)
  ctx.emulator.controls.setAccessTokenTtl(1)
  const { token } = await login(ctx, { openId: SOMCHAI.open_id })
  await sleep(1200)
  t.equal(ctx.emulator.controls.tokensOf(SOMCHAI.open_id).accessTokens.length, 0, 'the access token has expired at TikTok')
  const before = ctx.emulator.controls.counts
  const res = await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(token) })
  t.equal(res.statusCode, 200)
  const after = ctx.emulator.controls.counts
  t.equal(after.token_refresh - before.token_refresh, 1, 'refreshed once')
  t.equal(after.revoke - before.revoke, 1, 'revoked once')
  t.same(ctx.emulator.controls.tokensOf(SOMCHAI.open_id), { accessTokens: [], refreshTokens: [] }, 'no token of the grant is alive at TikTok')
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 401)
})

t.test('logout with a live access token revokes it without a refresh', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx, { openId: SOMCHAI.open_id })
  await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(token) })
  t.equal(ctx.emulator.controls.counts.token_refresh, 0)
  t.same(ctx.emulator.controls.tokensOf(SOMCHAI.open_id), { accessTokens: [], refreshTokens: [] })
})

t.test('logout when TikTok refuses the refresh: the session ends anyway, 200', async (t) => {
  const ctx = await build(t)
  ctx.emulator.controls.setAccessTokenTtl(1)
  const { token } = await login(ctx, { openId: SOMCHAI.open_id })
  await sleep(1200)
  ctx.emulator.controls.revokeUser(SOMCHAI.open_id)
  const res = await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(token) })
  t.equal(res.statusCode, 200)
  t.same(await ctx.dataKeys(), [], 'nothing of the session is left')
})

t.test('idle timeout: a session in use slides on; left unused, it ends (401, active false)', async (t) => {
  const ctx = await build(t, { env: { SESSION_IDLE_TIMEOUT_SECONDS: '2' } })
  const { token } = await login(ctx)
  const introspect = async () => (await ctx.app.inject({ method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL_KEY), payload: { token } })).json().data
  for (let i = 1; i <= 5; i++) {
    await sleep(700)
    t.equal((await ctx.app.inject({ url: '/me?fields=open_id', headers: auth(token) })).statusCode, 200, `in use at ${i * 0.7} s: alive past the 2 s timeout`)
  }
  await sleep(2300)
  t.same(await introspect(), { active: false }, 'after 2 s unused: ended')
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 401)
})
