import { Redis, Cluster, type RedisOptions, type ClusterOptions } from 'ioredis'
import type { RedisConfig } from '../config/index.js'
import { createKeys, type Keys } from './keys.js'
import type { ReplaceResult, SessionStore } from './store.js'
import { StoreError, decodeRecord } from './record.js'

export type RedisClient = Redis | Cluster

// Each script touches one key (or keys of one hash tag), so it runs on a cluster too.
const SCRIPTS = {
  // Compare-and-set on the record's version: two refreshes racing on one session cannot
  // both land, and a late one cannot overwrite a rotation that already happened.
  bffReplace: {
    numberOfKeys: 1,
    lua: `local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if cjson.decode(cur).ver ~= tonumber(ARGV[2]) then return -1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`
  },
  // Delete only the version the caller saw: a refusal of an old refresh token must not end
  // a session another instance has just refreshed.
  bffDeleteIf: {
    numberOfKeys: 1,
    lua: `local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if ARGV[1] ~= '' and cjson.decode(cur).ver ~= tonumber(ARGV[1]) then return -1 end
redis.call('DEL', KEYS[1])
return 1`
  },
  // The per-user index lives as long as its longest session; expired members are pruned.
  bffIndexAdd: {
    numberOfKeys: 1,
    lua: `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
local want = tonumber(ARGV[1]) - tonumber(ARGV[3])
if ttl < want then redis.call('PEXPIRE', KEYS[1], want) end
return 1`
  },
  // Only the owner renews or releases the refresh lock.
  bffLockRenew: {
    numberOfKeys: 1,
    lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`
  },
  bffLockRelease: {
    numberOfKeys: 1,
    lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`
  }
} as const

type ScriptName = keyof typeof SCRIPTS
type Scripted = { [K in ScriptName]: (key: string, ...args: Array<string | number>) => Promise<number> }

function retryStrategy (times: number): number {
  return Math.min(50 * times, 1000)
}

/** Builds the ioredis client: commands time out, and nothing queues while disconnected. */
export function createRedisClient (redis: Exclude<RedisConfig, { kind: 'memory' }>, commandTimeout: number): RedisClient {
  const common: RedisOptions = {
    commandTimeout,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(commandTimeout, 2000),
    retryStrategy,
    lazyConnect: true
  }
  if (redis.kind === 'url') return new Redis(redis.url, common)
  if (redis.kind === 'cluster') {
    const options: ClusterOptions = {
      enableOfflineQueue: false,
      scaleReads: 'master',
      lazyConnect: true,
      clusterRetryStrategy: retryStrategy,
      slotsRefreshTimeout: 2000,
      redisOptions: { ...common, password: redis.password, tls: redis.tls ? {} : undefined }
    }
    return new Cluster(redis.nodes, options)
  }
  return new Redis({
    ...common,
    sentinels: redis.sentinels,
    name: redis.name,
    role: 'master',
    password: redis.password,
    sentinelPassword: redis.sentinelPassword,
    tls: redis.tls ? {} : undefined,
    enableTLSForSentinelMode: redis.tls,
    sentinelRetryStrategy: retryStrategy,
    failoverDetector: true
  })
}

/** `onError` is told the operation of every failed command (the store-errors metric). */
export function createRedisStore (client: RedisClient, prefix: string, onError: (operation: string) => void = () => {}): SessionStore {
  const keys: Keys = createKeys(prefix)
  for (const [name, s] of Object.entries(SCRIPTS)) client.defineCommand(name, s)
  const r = client as RedisClient & Scripted

  async function run<T> (operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      onError(operation)
      throw new StoreError(operation, err)
    }
  }

  return {
    putOnce: (kind, hash, value, ttlMs) => run('put_once', async () => {
      await r.set(keys[kind](hash), value, 'PX', ttlMs)
    }),
    takeOnce: (kind, hash) => run('take_once', () => r.getdel(keys[kind](hash))),
    getSession: (id) => run('get_session', async () => decodeRecord(await r.get(keys.session(id)))),
    createSession: (id, record) => run('create_session', async () => {
      // Two slots on a cluster, so two commands: the index first, so that a session never
      // exists unlisted (logout everywhere would miss it); a listed id without a session is
      // skipped by its readers and pruned when its score passes.
      const now = Date.now()
      await r.bffIndexAdd(keys.user(record.openId), record.exp, id, now)
      await r.set(keys.session(id), JSON.stringify(record), 'PX', Math.max(1, record.exp - now))
    }),
    replaceSession: (id, record, expectedVer) => run('replace_session', async (): Promise<ReplaceResult> => {
      const ttl = Math.max(1, record.exp - Date.now())
      const n = await r.bffReplace(keys.session(id), JSON.stringify(record), expectedVer, ttl)
      return n === 1 ? 'replaced' : n === 0 ? 'gone' : 'conflict'
    }),
    deleteSession: (id, openId, expectedVer) => run('delete_session', async () => {
      const n = await r.bffDeleteIf(keys.session(id), expectedVer ?? '')
      if (n !== -1) await r.zrem(keys.user(openId), id)
      return n === 1
    }),
    userSessions: (openId) => run('user_sessions', () => r.zrevrangebyscore(keys.user(openId), '+inf', Date.now())),
    acquireLock: (id, owner, leaseMs) => run('lock', async () => (await r.set(keys.lock(id), owner, 'PX', leaseMs, 'NX')) === 'OK'),
    renewLock: (id, owner, leaseMs) => run('lock', async () => (await r.bffLockRenew(keys.lock(id), owner, leaseMs)) === 1),
    releaseLock: (id, owner) => run('lock', async () => { await r.bffLockRelease(keys.lock(id), owner) }),
    ping: () => run('ping', async () => {
      if (!(client instanceof Cluster)) {
        await client.ping()
        return
      }
      // Every master: each holds a share of the sessions. None known yet is not ready.
      const masters = client.nodes('master')
      if (masters.length === 0) throw new Error('no cluster master is known yet')
      await Promise.all(masters.map((m) => m.ping()))
    }),
    close: async () => {
      try {
        await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 1000).unref())])
      } catch { /* already closed */ }
      client.disconnect()
    }
  }
}
