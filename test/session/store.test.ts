import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { createMemoryStore } from '../../src/session/memory-store.js'
import { createRedisClient, createRedisStore } from '../../src/session/redis-store.js'
import { REDIS_URL, keysUnder } from '../helper.js'
import { storeContract } from './store.contract.js'

// The store contract against the in-process store and the real Redis (under a key prefix of
// its own). The Redis Cluster run is in test/lifecycle/cluster.test.ts, beside its cluster.

t.test('memory store', async (t) => {
  const store = createMemoryStore(`bff-test:${randomBytes(6).toString('hex')}:`)
  t.teardown(() => store.close())
  storeContract(t, store)
})

t.test('redis store', async (t) => {
  const prefix = `bff-test:${randomBytes(6).toString('hex')}:`
  const client = createRedisClient({ kind: 'url', url: REDIS_URL }, 1000)
  await client.connect()
  const store = createRedisStore(client, prefix)
  const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  t.teardown(async () => {
    const keys = await keysUnder(admin, prefix)
    if (keys.length > 0) await admin.del(...keys)
    admin.disconnect()
    await store.close()
  })
  storeContract(t, store)

  t.test('every key it wrote is under its prefix and carries a TTL', async (t) => {
    const keys = await keysUnder(admin, prefix)
    t.ok(keys.length > 0)
    for (const k of keys) t.ok(await admin.pttl(k) > 0, `${k.slice(prefix.length)} has a TTL`)
  })
})
