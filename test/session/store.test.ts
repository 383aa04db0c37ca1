import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { createMemoryStore } from '../../src/session/memory-store.js'
import { createRedisClient, createRedisStore } from '../../src/session/redis-store.js'
import { REDIS_URL } from '../helper.js'
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
  const written = async (): Promise<string[]> => {
    const found: string[] = []
    let cursor = '0'
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      found.push(...batch)
    } while (cursor !== '0')
    return found
  }
  t.teardown(async () => {
    const keys = await written()
    if (keys.length > 0) await admin.del(...keys)
    admin.disconnect()
    await store.close()
  })
  storeContract(t, store)

  t.test('every key it wrote is under its prefix and carries a TTL', async (t) => {
    const keys = await written()
    t.ok(keys.length > 0)
    for (const k of keys) t.ok(await admin.pttl(k) > 0, `${k.slice(prefix.length)} has a TTL`)
  })
})
