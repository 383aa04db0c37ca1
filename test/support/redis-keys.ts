import { Redis } from 'ioredis'
import { REDIS_URL } from './env.js'
import type { Teardownable } from './teardown.js'

// What a test wrote to a Redis, found with SCAN (never KEYS, which blocks the server) and
// deleted after it, so tests sharing one Redis leave nothing behind.

/** Every key matching `pattern` on one node. */
export async function scanKeys (client: Redis, pattern = '*'): Promise<string[]> {
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    found.push(...batch)
  } while (cursor !== '0')
  return found
}

/** Every key under a prefix: what one test wrote. */
export async function keysUnder (client: Redis, prefix: string): Promise<string[]> {
  return await scanKeys(client, `${prefix}*`)
}

export async function deleteUnder (client: Redis, prefix: string): Promise<void> {
  const left = await keysUnder(client, prefix)
  if (left.length > 0) await client.del(...left)
}

/** An admin connection to `url` that deletes what a test wrote under `prefix` on teardown. */
export async function prefixAdmin (t: Teardownable, url: string, prefix: string): Promise<Redis> {
  const admin = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true })
  await admin.connect()
  t.teardown(async () => {
    await deleteUnder(admin, prefix)
    admin.disconnect()
  })
  return admin
}

/** Deletes what a process wrote under `prefix` in `url`, on teardown (connecting only then). */
export function cleanPrefix (t: Teardownable, prefix: string, url = REDIS_URL): void {
  t.teardown(async () => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    try {
      await redis.connect()
      await deleteUnder(redis, prefix)
    } finally {
      redis.disconnect()
    }
  })
}

/** The value of a record as the store keeps it, `<key id>.<MAC>.<value>`: the value. */
export function storedValue (raw: string): string {
  return raw.slice(raw.indexOf('.', raw.indexOf('.') + 1) + 1)
}

/** A stored record, parsed (null when absent). */
export function storedRecord<T = Record<string, unknown>> (raw: string | null): T | null {
  return raw === null ? null : JSON.parse(storedValue(raw)) as T
}
