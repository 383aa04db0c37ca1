import t from 'tap'
import { startEmulator } from '../../src/emulator/index.js'
import { createKeys, digest } from '../../src/session/keys.js'
import { REDIS_URL, testEnv } from '../helper.js'
import { startInstances } from '../support/instances.js'
import { loginOver, me } from '../support/http.js'
import { prefixAdmin } from '../support/redis-keys.js'
import { waitFor } from '../support/wait.js'

// A refresh-lock holder that dies mid-refresh must not block the session for longer than the lease.
// Instance A takes the refresh lock and waits on a slow TikTok; it is killed (SIGKILL: no
// finally, no release). Instance B, asked for the same session, waits out the dead holder's
// lease, takes the lock and refreshes. TIKTOK_TIMEOUT_MS=3000 makes the lease 5 s.

t.test('a refresh holder killed mid-refresh: the session recovers after the lease', async (t) => {
  const emulator = await startEmulator()
  t.teardown(() => emulator.close())
  const env = testEnv(emulator.url, { LOG_LEVEL: 'warn', TIKTOK_TIMEOUT_MS: '3000' })
  const prefix = env.REDIS_KEY_PREFIX as string
  const admin = await prefixAdmin(t, REDIS_URL, prefix)
  const [a, b] = await startInstances(t, 2, env)
  if (a === undefined || b === undefined) throw new Error('two instances expected')
  const c = emulator.controls
  c.setAccessTokenTtl(1)
  const { token } = await loginOver(a.url, emulator)
  await new Promise((resolve) => setTimeout(resolve, 1100)) // expired

  c.setDelay('token', 60_000) // A's refresh hangs at TikTok (well past A's own timeout)
  const calls = c.counts.token
  const onA = me(a.url, token).catch((err: unknown) => err)
  await waitFor('A\'s refresh call at TikTok', async () => c.counts.token > calls, 10_000, 20)
  const lock = createKeys(prefix).lock(digest(token))
  t.equal(await admin.exists(lock), 1, 'A holds the refresh lock')
  await a.kill('SIGKILL')
  t.ok(await onA instanceof Error, 'A died without answering')
  c.setDelay('token', 0)
  const left = await admin.pttl(lock)
  t.ok(left > 0, `the dead holder's lock is still there (${left} ms left)`)

  const started = Date.now()
  const res = await me(b.url, token)
  const waited = Date.now() - started
  t.equal(res.status, 200, 'B serves the session')
  t.not(res.body?.error.code, 'service_unavailable', 'not a 503 for a lock nobody holds any more')
  t.ok(waited < 15_000, `within a generous bound of one lease (${waited} ms)`)
  t.equal(c.counts.token_refresh, 1, 'B refreshed once (A\'s call never completed)')
  t.equal(await admin.exists(lock), 0, 'B released the lock')
  const again = await me(b.url, token)
  t.equal(again.status, 200)
  t.equal(c.counts.token_refresh, 1, 'the refreshed tokens are reused')
})
