import t from 'tap'
import { SAMPLE_USERS, startEmulator } from '../../src/emulator/index.js'
import { createKeys, digest } from '../../src/session/keys.js'
import { testEnv } from '../helper.js'
import { startApp } from '../support/instances.js'
import { call, loginOver, logout, me } from '../support/http.js'
import { waitFor } from '../support/wait.js'
import { startSentinels } from '../support/redis-topologies.js'

// The service with Redis Sentinel started for this file: one master, one replica, three
// sentinels. The lifecycle works through the sentinels; then the master is killed mid-test and
// the sentinels promote the replica. The service follows the new master by itself, answers
// 503 while none is reachable, and serves the same sessions again within 15 s of the failover
// completing; every write goes to the master, so none is lost.

const [alice, bob] = SAMPLE_USERS.map((u) => u.open_id) as [string, string]

t.test('Redis Sentinel: lifecycle, then a failover mid-test with no session lost', async (t) => {
  const group = await startSentinels(t)
  const emulator = await startEmulator()
  t.teardown(() => emulator.close())
  const svc = await startApp(t, testEnv(emulator.url, { REDIS_URL: undefined, REDIS_SENTINELS: group.list, REDIS_SENTINEL_NAME: group.name, LOG_LEVEL: 'warn' }))
  const keys = createKeys(svc.config.store.keyPrefix)

  const mine = [await loginOver(svc.url, emulator, alice), await loginOver(svc.url, emulator, alice)]
  const theirs = await loginOver(svc.url, emulator, bob)
  const ended = await loginOver(svc.url, emulator, bob)
  for (const s of [...mine, theirs, ended]) t.equal((await me(svc.url, s.token)).status, 200)
  emulator.controls.expireAccessTokens()
  t.equal((await me(svc.url, theirs.token)).status, 200, 'refreshed through the sentinel-managed master')
  t.equal(emulator.controls.counts.token_refresh, 1)
  t.equal((await logout(svc.url, ended.token)).status, 200)
  t.equal((await me(svc.url, ended.token)).status, 401, 'logged out')

  // Every key this far has reached the replica (asynchronous replication: wait, then fail over).
  const id = digest(theirs.token)
  await waitFor('the replica to hold the refreshed session', async () =>
    (await group.replica.cli('get', keys.session(id))).includes('"ver":2'), 10_000)
  await group.master.kill()
  const statuses: number[] = []
  let promotedAt = 0
  await waitFor('/me served again after the failover', async () => {
    if (promotedAt === 0 && await group.masterPort() === group.replica.port) promotedAt = Date.now()
    const res = await me(svc.url, theirs.token)
    statuses.push(res.status)
    return promotedAt > 0 && res.status === 200
  }, 30_000, 200)
  const after = Date.now() - promotedAt
  t.ok(after <= 15_000, `served again ${after} ms after the sentinels announced the new master`)
  t.same([...new Set(statuses)].filter((s) => s !== 200 && s !== 503), [], `only 200 or 503 meanwhile (${statuses.join(',')})`)
  t.ok(statuses.includes(503), 'the outage was answered with 503s')
  t.equal((await call(svc.url, 'GET', '/health/ready')).status, 200, 'ready again')

  for (const s of [...mine, theirs]) t.equal((await me(svc.url, s.token)).status, 200, 'the same sessions on the new master')
  t.equal((await me(svc.url, ended.token)).status, 401, 'and the ended one stays ended')
  emulator.controls.expireAccessTokens()
  t.equal((await me(svc.url, theirs.token)).status, 200, 'a refresh writes to the new master')
  t.equal((await group.replica.cli('get', keys.session(id))).includes('"ver":3'), true)
  const out = await logout(svc.url, (mine[0] as { token: string }).token, true)
  t.equal(out.body?.data.sessions_ended, 2, 'logout everywhere on the new master')
  for (const s of mine) t.equal((await me(svc.url, s.token)).status, 401)
  const again = await loginOver(svc.url, emulator, alice)
  t.equal((await me(svc.url, again.token)).status, 200, 'a new login works')
})
