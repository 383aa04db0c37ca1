import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { SAMPLE_USERS, startEmulator } from '../../src/emulator/index.js'
import { createKeys, digest } from '../../src/session/keys.js'
import { REDIS_URL, storedValue, testEnv } from '../helper.js'
import { startApp } from '../support/instances.js'
import { loginOver, logout, me } from '../support/http.js'
import { prefixAdmin } from '../support/redis-keys.js'

// POST /auth/logout {all_sessions: true} ends every session of that user, and only
// that user's, whichever instance made them, revoking each at TikTok; the per-user index that
// finds them has a TTL and empties as sessions expire. Two apps on one Redis prefix.

const [alice, bob] = SAMPLE_USERS.map((u) => u.open_id)

t.test('logout everywhere: every session of the user on every instance, no one else\'s', async (t) => {
  const emulator = await startEmulator()
  t.teardown(() => emulator.close())
  const env = testEnv(emulator.url, { LOG_LEVEL: 'warn' })
  const admin = await prefixAdmin(t, REDIS_URL, env.REDIS_KEY_PREFIX as string)
  const [a, b] = [await startApp(t, env), await startApp(t, env)]
  const mine = [await loginOver(a.url, emulator, alice), await loginOver(b.url, emulator, alice), await loginOver(a.url, emulator, alice)]
  const theirs = await loginOver(b.url, emulator, bob)
  for (const s of [...mine, theirs]) t.equal((await me(b.url, s.token)).status, 200)

  const out = await logout(b.url, (mine[0] as { token: string }).token, true)
  t.equal(out.status, 200)
  t.equal(out.body?.data.sessions_ended, 3)
  t.equal(emulator.controls.counts.revoke, 3, 'each session\'s grant revoked at TikTok')
  for (const s of mine) {
    t.equal((await me(a.url, s.token)).status, 401, 'ended on instance a')
    t.equal((await me(b.url, s.token)).status, 401, 'ended on instance b')
  }
  t.equal((await me(a.url, theirs.token)).status, 200, 'another user\'s session lives on')
  t.same(emulator.controls.tokensOf(alice as string).refreshTokens, [], 'TikTok holds no live token of the user')
  t.equal(await admin.zcard(createKeys(env.REDIS_KEY_PREFIX as string).user(alice as string)), 0, 'the user\'s index is empty')
})

t.test('the per-user index has a TTL and is cleaned as its sessions expire', async (t) => {
  const emulator = await startEmulator({ refreshTokenTtlSeconds: 2 }) // sessions end with TikTok's refresh_expires_in
  t.teardown(() => emulator.close())
  const env = testEnv(emulator.url, { LOG_LEVEL: 'warn' })
  const prefix = env.REDIS_KEY_PREFIX as string
  const admin = await prefixAdmin(t, REDIS_URL, prefix)
  const app = await startApp(t, env)
  const index = createKeys(prefix).user(alice as string)
  await loginOver(app.url, emulator, alice)
  await loginOver(app.url, emulator, alice)
  t.equal(await admin.zcard(index), 2)
  const ttl = await admin.pttl(index)
  t.ok(ttl > 0 && ttl <= 2000, `the index expires with its last session (${ttl} ms)`)
  await sleep(2300)
  t.equal(await admin.exists(index), 0, 'gone with its sessions')
  // Members whose sessions ended are pruned when the index is next written.
  emulator.controls.setRefreshTokenTtl(1)
  const short = await loginOver(app.url, emulator, alice)
  emulator.controls.setRefreshTokenTtl(60)
  const long = await loginOver(app.url, emulator, alice)
  await sleep(1300)
  const next = await loginOver(app.url, emulator, alice)
  const members = (await admin.zrange(index, 0, -1)).map(storedValue)
  t.same(members.sort(), [digest(long.token), digest(next.token)].sort(), 'the ended session was pruned')
  t.notOk(members.includes(digest(short.token)))
  t.ok(await admin.pttl(index) > 50_000, 'the index lives as long as its longest session')
})
