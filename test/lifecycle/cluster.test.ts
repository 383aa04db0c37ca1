import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { SAMPLE_USERS, startEmulator } from '../../src/emulator/index.js'
import { createRedisStore } from '../../src/session/redis-store.js'
import { createRedisClient, quitRedis } from '../../src/session/redis-client.js'
import { createKeys, digest } from '../../src/session/keys.js'
import { testEnv } from '../helper.js'
import { startApp } from '../support/instances.js'
import { loginOver, logout, me } from '../support/http.js'
import type { RedisProc } from '../support/redis-procs.js'
import { scanKeys } from '../support/redis-keys.js'
import { waitFor } from '../support/wait.js'
import { startCluster } from '../support/redis-topologies.js'
import { storeContract, storeOptions } from '../session/store.contract.js'

// The service on a real Redis Cluster started for this file: 3 masters with a replica each, made
// with `redis-cli --cluster create`. Every script and multi-key operation of the store works
// across slots (the store contract), the whole lifecycle works, and when the master holding a
// session dies its replica takes over and the service follows it by itself (503 meanwhile,
// the same sessions again within 15 s of the failover).

const [alice, bob] = SAMPLE_USERS.map((u) => u.open_id) as [string, string]

async function caughtUp (master: RedisProc, replica: RedisProc): Promise<boolean> {
  const field = (info: string, name: string): number => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? -1)
  const offset = field(await master.cli('info', 'replication'), 'master_repl_offset')
  return field(await replica.cli('info', 'replication'), 'slave_repl_offset') >= offset
}

t.test('Redis Cluster', async (t) => {
  const cluster = await startCluster(t, 3, 1)
  const nodes = cluster.seeds.split(',').map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) }))

  t.test('the store contract holds on the cluster', async (t) => {
    const client = createRedisClient({ kind: 'cluster', nodes, tls: false }, 1000)
    await client.connect()
    const store = createRedisStore(client, storeOptions(`bff-contract:${randomBytes(4).toString('hex')}:`))
    t.teardown(() => quitRedis(client))
    storeContract(t, store)
  })

  t.test('login, /me, refresh and logout; a master fails over and no session is lost', async (t) => {
    const emulator = await startEmulator()
    t.teardown(() => emulator.close())
    const svc = await startApp(t, testEnv(emulator.url, { REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.seeds, LOG_LEVEL: 'warn' }))
    const keys = createKeys(svc.config.store.keyPrefix)
    const mine = [await loginOver(svc.url, emulator, alice), await loginOver(svc.url, emulator, alice), await loginOver(svc.url, emulator, alice)]
    const theirs = await loginOver(svc.url, emulator, bob)
    for (const s of [...mine, theirs]) t.equal((await me(svc.url, s.token)).status, 200)

    // Keys spread over the masters; a session and its lock share one slot.
    const perMaster = await Promise.all(cluster.masters.map(async (m) => {
      const r = new Redis(m.url)
      try { return (await scanKeys(r, `${svc.config.store.keyPrefix}*`)).length } finally { r.disconnect() }
    }))
    t.ok(perMaster.filter((n) => n > 0).length >= 2, `keys on several masters (${perMaster.join(', ')})`)
    const id = digest(theirs.token)
    const first = cluster.masters[0] as RedisProc
    t.equal(await first.cli('cluster', 'keyslot', keys.session(id)), await first.cli('cluster', 'keyslot', keys.lock(id)), 'session and lock share a slot')

    emulator.controls.expireAccessTokens()
    t.equal((await me(svc.url, theirs.token)).status, 200, 'refreshed on the cluster')
    t.equal(emulator.controls.counts.token_refresh, 1)
    t.equal((await logout(svc.url, (mine[2] as { token: string }).token)).status, 200)
    t.equal((await me(svc.url, (mine[2] as { token: string }).token)).status, 401, 'logged out')

    // The master holding bob's session dies; its replica is promoted.
    const master = await cluster.masterOf(keys.session(id))
    const replica = await findReplica(cluster.replicas, master)
    await waitFor('the replica to catch up', () => caughtUp(master, replica), 10_000)
    await master.kill()
    const statuses: number[] = []
    let promotedAt = 0
    await waitFor('/me served again after the failover', async () => {
      if (promotedAt === 0 && (await replica.cli('role')).startsWith('master')) promotedAt = Date.now()
      const res = await me(svc.url, theirs.token)
      statuses.push(res.status)
      return promotedAt > 0 && res.status === 200
    }, 30_000, 200)
    t.ok(Date.now() - promotedAt <= 15_000, `served again ${Date.now() - promotedAt} ms after the promotion`)
    t.same([...new Set(statuses)].filter((s) => s !== 200 && s !== 503), [], `only 200 or 503 meanwhile (${statuses.join(',')})`)
    t.equal(await cluster.masterOf(keys.session(id)).then((m) => m.port), replica.port, 'the replica now serves the slot')

    emulator.controls.expireAccessTokens()
    t.equal((await me(svc.url, theirs.token)).status, 200, 'refreshed on the new master')
    const out = await logout(svc.url, (mine[0] as { token: string }).token, true)
    t.equal(out.body?.data.sessions_ended, 2, 'logout everywhere after the failover')
    for (const s of mine) t.equal((await me(svc.url, s.token)).status, 401)
    t.equal((await me(svc.url, theirs.token)).status, 200, 'the other user stays signed in')
  })
})

async function findReplica (replicas: RedisProc[], master: RedisProc): Promise<RedisProc> {
  for (const r of replicas) {
    const role = (await r.cli('role')).split('\n')
    if (role[0] === 'slave' && Number(role[2]) === master.port) return r
  }
  throw new Error(`no replica of ${master.addr}`)
}
