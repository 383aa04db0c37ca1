import t from 'tap'
import { Redis } from 'ioredis'
import { SAMPLE_USERS, startEmulator } from '../../src/emulator/index.js'
import { createKeys, digest } from '../../src/session/keys.js'
import { testEnv } from '../helper.js'
import { startApp } from '../support/instances.js'
import { begin, call, callback, loginOver, logout, me } from '../support/http.js'
import { startRedis } from '../support/redis-procs.js'
import { scanKeys } from '../support/redis-keys.js'

// After a full lifecycle, every key and value in Redis. A private Redis, so that
// "every key" means every key: each under REDIS_KEY_PREFIX, each with a TTL, and no secret in
// any value or key name in any form (as is, URL- or form-encoded, base64, base64url, hex).

const [alice, bob, chai] = SAMPLE_USERS.map((u) => u.open_id) as [string, string, string]

function forms (secret: string): string[] {
  const utf8 = Buffer.from(secret)
  return [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), utf8.toString('base64'), utf8.toString('base64url'), utf8.toString('hex')]
}

async function dump (redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key)
  if (type === 'string') return await redis.get(key) ?? ''
  if (type === 'zset') return (await redis.zrange(key, 0, -1, 'WITHSCORES')).join('\n')
  if (type === 'hash') return JSON.stringify(await redis.hgetall(key))
  if (type === 'set') return (await redis.smembers(key)).join('\n')
  if (type === 'list') return (await redis.lrange(key, 0, -1)).join('\n')
  return `unexpected type ${type}`
}

t.test('after a full lifecycle: every key prefixed, with a TTL, and no secret in any form', async (t) => {
  const server = await startRedis(t)
  const emulator = await startEmulator()
  t.teardown(() => emulator.close())
  const env = testEnv(emulator.url, { REDIS_URL: server.url, RATE_LIMIT_ME_PER_MINUTE: '1000' })
  const svc = await startApp(t, env)
  const prefix = svc.config.store.keyPrefix
  const c = emulator.controls
  const secrets = new Set<string>(['emulator-client-secret'])
  const tikTokTokens = (): void => {
    for (const u of [alice, bob, chai]) {
      const { accessTokens, refreshTokens } = c.tokensOf(u)
      for (const tok of [...accessTokens, ...refreshTokens]) secrets.add(tok)
    }
  }

  // alice: login, /me, a refresh (TikTok said access_token_invalid), a second session ended.
  const a1 = await loginOver(svc.url, emulator, alice)
  tikTokTokens()
  t.equal((await me(svc.url, a1.token)).status, 200)
  c.expireAccessTokens()
  t.equal((await me(svc.url, a1.token)).status, 200)
  t.equal(c.counts.token_refresh, 1)
  tikTokTokens()
  const a2 = await loginOver(svc.url, emulator, alice)
  tikTokTokens()
  t.equal((await logout(svc.url, a2.token)).status, 200)
  // bob: two sessions, logged out everywhere. chai: one session left alive.
  const b1 = await loginOver(svc.url, emulator, bob)
  const b2 = await loginOver(svc.url, emulator, bob)
  tikTokTokens()
  t.equal((await logout(svc.url, b1.token, true)).body?.data.sessions_ended, 2)
  const c1 = await loginOver(svc.url, emulator, chai)
  tikTokTokens()
  // An internal lookup, a login left pending, a handoff code never redeemed, a declined login.
  const internal = 'internal-secret-0123456789abcdef'
  const res = await fetch(`${svc.url}/internal/introspect`, { method: 'POST', headers: { authorization: `Bearer ${internal}`, 'content-type': 'application/json' }, body: JSON.stringify({ token: c1.token }) })
  t.equal(res.status, 200)
  const pending = await begin(svc.url)
  const unredeemed = await begin(svc.url)
  const { code, handoff } = await callback(svc.url, emulator, unredeemed, chai)
  tikTokTokens()
  const declined = await begin(svc.url)
  t.equal((await call(svc.url, 'GET', `/auth/tiktok/callback?${new URLSearchParams({ state: declined.state, error: 'access_denied' })}`)).status, 302)

  for (const s of [...a1.secrets, ...a2.secrets, ...b1.secrets, ...b2.secrets, ...c1.secrets, pending.state, pending.verifier, unredeemed.state, unredeemed.verifier, code, handoff, declined.state, internal]) secrets.add(s)
  const keyBytes = Buffer.from(env.TOKEN_ENCRYPTION_KEYS as string, 'base64')
  const needles = [...[...secrets].flatMap(forms), env.TOKEN_ENCRYPTION_KEYS as string, keyBytes.toString('base64url'), keyBytes.toString('hex')]
  t.ok(secrets.size >= 30, `${secrets.size} secrets to look for`)

  const redis = new Redis(server.url)
  t.teardown(() => redis.disconnect())
  const keys = await scanKeys(redis)
  const kinds = new Set(keys.map((k) => k.slice(prefix.length).split(/[:{]/)[0]))
  for (const kind of ['s', 'u', 'state', 'handoff']) t.ok(kinds.has(kind), `the scan sees ${kind} keys`)
  const leaks: string[] = []
  const texts: string[] = []
  for (const key of keys) {
    t.ok(key.startsWith(prefix), `${key} is under REDIS_KEY_PREFIX`)
    const ttl = await redis.pttl(key)
    t.ok(ttl > 0, `${key.slice(prefix.length)} has a TTL (${ttl} ms)`)
    const text = `${key}\n${await dump(redis, key)}`
    texts.push(text)
    for (const n of needles) if (text.includes(n)) leaks.push(`${key.slice(prefix.length)} holds a secret (${n.slice(0, 6)}…)`)
  }
  t.ok(texts.some((x) => x.includes(digest(c1.token))) && texts.some((x) => x.includes(chai)), 'the search sees key names and values (a digest, an open_id)')
  t.same(leaks, [], 'no secret in any key or value')
  const logLeaks = needles.filter((n) => svc.logs.some((l) => l.includes(n)))
  t.same(logLeaks.map((n) => `${n.slice(0, 6)}…`), [], 'nor in the service\'s logs')

  // What one session costs in Redis (reported in the issue note).
  const keysOf = createKeys(prefix)
  const session = await redis.memory('USAGE', keysOf.session(digest(c1.token))) ?? 0
  const index = await redis.memory('USAGE', keysOf.user(chai)) ?? 0
  t.ok(session > 0 && session < 4096, `MEMORY USAGE of one session record: ${session} bytes`)
  t.comment(`MEMORY USAGE: session record ${session} B, its user's index (one member) ${index} B, ${keys.length} keys after the lifecycle`)
})
