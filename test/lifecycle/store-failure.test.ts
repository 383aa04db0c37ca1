import t from 'tap'
import { Redis } from 'ioredis'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { createTokenCipher } from '../../src/session/crypto.js'
import { createKeys, digest } from '../../src/session/keys.js'
import type { SessionRecord } from '../../src/session/store.js'
import { storedRecord, testEnv } from '../helper.js'
import { startApp, type InProcess } from '../support/instances.js'
import { loginOver, me, type Answer } from '../support/http.js'
import { startRedis, type RedisProc } from '../support/redis-procs.js'
import { waitFor } from '../support/wait.js'

// TikTok retires the old refresh token the moment it answers a refresh. If the
// store then fails, the new pair must not be lost: retried within the lease, and past that
// kept in memory and written again when the store returns. A private Redis with an fsync'd
// append-only file stands in for the store: frozen (SIGSTOP) or killed and restarted.

type Test = Parameters<Parameters<typeof t.test>[0]>[0]
type Ctx = { emulator: Emulator, redis: RedisProc, svc: InProcess, token: string, openId: string }

async function setUp (t: Test): Promise<Ctx> {
  const redis = await startRedis(t, { persist: true })
  const emulator = await startEmulator()
  t.teardown(() => emulator.close())
  // TIKTOK_TIMEOUT_MS=3000: a 5 s lease, so 2.5 s of write retries.
  const svc = await startApp(t, testEnv(emulator.url, { REDIS_URL: redis.url, TIKTOK_TIMEOUT_MS: '3000' }))
  const { token, session } = await loginOver(svc.url, emulator)
  t.equal((await me(svc.url, token)).status, 200)
  return { emulator, redis, svc, token, openId: session.open_id }
}

/** /me while the store fails right after TikTok answered the refresh. */
async function refreshWhile (ctx: Ctx, fault: () => Promise<void>): Promise<Answer> {
  const c = ctx.emulator.controls
  c.expireAccessTokens() // TikTok: access_token_invalid before the recorded expiry → refresh
  c.setDelay('token', 800)
  const calls = c.counts.token
  const pending = me(ctx.svc.url, ctx.token)
  await waitFor('the refresh call at TikTok', async () => c.counts.token > calls, 10_000, 10)
  await fault()
  const res = await pending
  c.setDelay('token', 0)
  return res
}

/** The stored record, and whether its refresh token is the one TikTok now accepts. */
async function stored (ctx: Ctx): Promise<{ record: SessionRecord, live: boolean, locked: boolean }> {
  const client = new Redis(ctx.redis.url, { maxRetriesPerRequest: 1 })
  try {
    const keys = createKeys(ctx.svc.config.store.keyPrefix)
    const id = digest(ctx.token)
    const record = storedRecord<SessionRecord>(await client.get(keys.session(id))) as SessionRecord
    const rt = createTokenCipher(ctx.svc.config.encryptionKeys).open(record.rt, `${id}:rt`).plain
    return { record, live: ctx.emulator.controls.tokensOf(ctx.openId).refreshTokens.includes(rt), locked: await client.exists(keys.lock(id)) === 1 }
  } finally {
    client.disconnect()
  }
}

t.test('a store that stalls past one command timeout: the write is retried within the lease', async (t) => {
  const ctx = await setUp(t)
  const res = await refreshWhile(ctx, async () => {
    ctx.redis.signal('SIGSTOP')
    await new Promise((resolve) => setTimeout(resolve, 2000)) // the write meets a frozen store
    ctx.redis.signal('SIGCONT')
  })
  t.equal(res.status, 200, 'answered once the store took the new pair')
  const after = await stored(ctx)
  t.equal(after.record.ver, 2, 'one new version')
  t.ok(after.live, 'the stored refresh token is the one TikTok now accepts')
  t.equal(ctx.emulator.controls.counts.token_refresh, 1)
})

t.test('a store that goes away past the lease: the new pair is kept and lands when it returns', async (t) => {
  const ctx = await setUp(t)
  const res = await refreshWhile(ctx, () => ctx.redis.kill())
  t.equal(res.status, 503, 'the request itself meets the outage')
  t.equal(res.body?.error.code, 'service_unavailable')
  await new Promise((resolve) => setTimeout(resolve, 500))
  await ctx.redis.restart() // the AOF brings back the session as it was: the retired refresh token
  const answers: number[] = []
  await waitFor('/me to answer 200 again', async () => {
    const r = await me(ctx.svc.url, ctx.token)
    answers.push(r.status)
    return r.status === 200
  }, 10_000, 200)
  t.same([...new Set(answers)].filter((s) => s !== 200 && s !== 503), [], `only 503 then 200 (${answers.join(',')})`)
  const after = await stored(ctx)
  t.equal(after.record.ver, 2, 'the kept pair was written')
  t.ok(after.live, 'the stored refresh token is the one TikTok now accepts')
  t.notOk(after.locked, 'the refresh lock was released')
  t.equal(ctx.emulator.controls.counts.token_refresh, 1, 'TikTok was not asked again')
})
