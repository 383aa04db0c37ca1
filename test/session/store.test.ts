import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { createMemoryStore } from '../../src/session/memory-store.js'
import { createRedisStore } from '../../src/session/redis-store.js'
import { createRedisClient, quitRedis } from '../../src/session/redis-client.js'
import { REDIS_URL, keysUnder } from '../helper.js'
import { record, storeContract, storeOptions } from './store.contract.js'
import { createKeys } from '../../src/session/keys.js'

// The store contract against the in-process store and the real Redis (under a key prefix of
// its own). The Redis Cluster run is in test/lifecycle/cluster.test.ts, beside its cluster.

t.test('memory store', async (t) => {
  const store = createMemoryStore(storeOptions(`bff-test:${randomBytes(6).toString('hex')}:`))
  t.teardown(() => store.close())
  storeContract(t, store)
})

t.test('redis store', async (t) => {
  const prefix = `bff-test:${randomBytes(6).toString('hex')}:`
  const client = createRedisClient({ kind: 'url', url: REDIS_URL }, 1000)
  await client.connect()
  const store = createRedisStore(client, storeOptions(prefix))
  const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  t.teardown(async () => {
    const keys = await keysUnder(admin, prefix)
    if (keys.length > 0) await admin.del(...keys)
    admin.disconnect()
    await quitRedis(client)
  })
  storeContract(t, store)

  t.test('a record edited in Redis, or copied under another key, reads as absent', async (t) => {
    const keys = createKeys(prefix)
    const a = record()
    const b = record()
    await store.createSession('session-a', a)
    await store.createSession('session-b', b)
    const rawA = await admin.get(keys.session('session-a')) ?? ''
    t.match(rawA, /^[\w-]+\.[\w-]+\.\{/, 'stored as <key id>.<MAC>.<JSON>')
    await admin.set(keys.session('session-b'), rawA, 'PX', 60_000)
    t.equal(await store.getSession('session-b'), null, 'A\'s record under B\'s key is not honoured')
    t.same(await store.getSession('session-a'), a, 'A itself still reads')
    await admin.set(keys.session('session-a'), rawA.replace(a.openId, b.openId), 'PX', 60_000)
    t.equal(await store.getSession('session-a'), null, 'an edited record is not honoured')
    t.equal(await store.replaceSession('session-a', { ...a, ver: 2 }, 1), 'replaced', 'the compare-and-set still reads its version')

    await admin.zadd(keys.user(b.openId), Date.now() + 60_000, (await admin.zrange(keys.user(a.openId), 0, -1))[0] ?? '')
    t.same(await store.userSessions(b.openId), ['session-b'], 'A\'s index entry copied into B\'s index is not listed')

    await store.putOnce('state', 'h1', '{"redirectUri":"https://app.example.com/cb"}', 60_000)
    const pending = await admin.get(keys.state('h1')) ?? ''
    await admin.set(keys.state('h1'), pending.replace('app.example.com', 'evil.example'), 'PX', 60_000)
    t.equal(await store.takeOnce('state', 'h1'), null, 'an edited pending login is not honoured')
    await admin.set(keys.handoff('h2'), pending, 'PX', 60_000)
    t.equal(await store.takeOnce('handoff', 'h2'), null, 'a pending login copied as a handoff code is not honoured')

    await admin.set(keys.event('h3'), '1', 'PX', 60_000)
    t.equal(await store.remembers('event', 'h3'), false, 'a planted webhook marker does not make a delivery look handled')
    await store.remember('event', 'h4', 60_000)
    t.equal(await store.remembers('event', 'h4'), true, 'a marker the store wrote does')
  })

  t.test('every key it wrote is under its prefix and carries a TTL', async (t) => {
    const keys = await keysUnder(admin, prefix)
    t.ok(keys.length > 0)
    for (const k of keys) t.ok(await admin.pttl(k) > 0, `${k.slice(prefix.length)} has a TTL`)
  })
})
