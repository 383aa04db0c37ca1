import { Cluster } from 'ioredis'
import type { RedisClient } from './redis-client.js'
import { createKeys, type Keys } from './keys.js'
import { StoreError, idleDue, sessionTtl, type ReplaceResult, type SessionStore, type StoreOptions } from './store.js'
import { decodeRecord } from './record.js'

// The version of a signed session record (`<key id>.<MAC>.<JSON>`, signer.ts), or nil for a
// value that is not one. Only the version is read here; the MAC is checked by the service.
const VERSION_OF = `local function version (v)
  local a = string.find(v, '.', 1, true)
  local b = a and string.find(v, '.', a + 1, true)
  if not b then return nil end
  local ok, record = pcall(cjson.decode, string.sub(v, b + 1))
  if not ok or type(record) ~= 'table' then return nil end
  return record.ver
end
`

// Each script touches one key (or keys of one hash tag), so it runs on a cluster too.
const SCRIPTS = {
  // A session and what is left of its life, in one round trip (the idle timeout slides on it).
  bffGetTtl: {
    numberOfKeys: 1,
    lua: `local v = redis.call('GET', KEYS[1])
if not v then return false end
return {v, redis.call('PTTL', KEYS[1])}`
  },
  // Compare-and-set on the record's version: two refreshes racing on one session cannot
  // both land, and a late one cannot overwrite a rotation that already happened.
  bffReplace: {
    numberOfKeys: 1,
    lua: `${VERSION_OF}local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if version(cur) ~= tonumber(ARGV[2]) then return -1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`
  },
  // Delete only the version the caller saw: a refusal of an old refresh token must not end
  // a session another instance has just refreshed.
  bffDeleteIf: {
    numberOfKeys: 1,
    lua: `${VERSION_OF}local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if ARGV[1] ~= '' and version(cur) ~= tonumber(ARGV[1]) then return -1 end
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

type ScriptName = Exclude<keyof typeof SCRIPTS, 'bffGetTtl'>
type Scripted = { [K in ScriptName]: (key: string, ...args: Array<string | number>) => Promise<number> } &
{ bffGetTtl: (key: string) => Promise<[string, number] | null> }

export function createRedisStore (client: RedisClient, opts: StoreOptions): SessionStore {
  const { signer, idleMs } = opts
  const onError = opts.onError ?? (() => {})
  const keys: Keys = createKeys(opts.prefix)
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
      const key = keys[kind](hash)
      await r.set(key, signer.sign(key, value), 'PX', ttlMs)
    }),
    takeOnce: (kind, hash) => run('take_once', async () => {
      const key = keys[kind](hash)
      return signer.open(key, await r.getdel(key))
    }),
    remember: (kind, hash, ttlMs) => run('remember', async () => {
      const key = keys[kind](hash)
      await r.set(key, signer.sign(key, '1'), 'PX', ttlMs)
    }),
    remembers: (kind, hash) => run('remembers', async () => {
      const key = keys[kind](hash)
      return signer.open(key, await r.get(key)) !== null
    }),
    getSession: (id, touch = false) => run('get_session', async () => {
      const key = keys.session(id)
      if (!touch) return decodeRecord(signer.open(key, await r.get(key)))
      const found = await r.bffGetTtl(key)
      const record = found === null ? null : decodeRecord(signer.open(key, found[0]))
      const now = Date.now()
      if (found !== null && record !== null && idleDue(found[1], record, idleMs, now)) {
        // Rare (once per half an idle timeout): a failure leaves the session as it was.
        await r.pexpire(key, sessionTtl(record, idleMs, now)).catch(() => {})
      }
      return record
    }),
    createSession: (id, record) => run('create_session', async () => {
      // Two slots on a cluster, so two commands: the index first, so that a session never
      // exists unlisted (logout everywhere would miss it); a listed id without a session is
      // skipped by its readers and pruned when its score passes.
      const now = Date.now()
      const userKey = keys.user(record.openId)
      const key = keys.session(id)
      await r.bffIndexAdd(userKey, record.exp, signer.sign(userKey, id), now)
      await r.set(key, signer.sign(key, JSON.stringify(record)), 'PX', sessionTtl(record, idleMs, now))
    }),
    replaceSession: (id, record, expectedVer) => run('replace_session', async (): Promise<ReplaceResult> => {
      const key = keys.session(id)
      const n = await r.bffReplace(key, signer.sign(key, JSON.stringify(record)), expectedVer, sessionTtl(record, idleMs))
      return n === 1 ? 'replaced' : n === 0 ? 'gone' : 'conflict'
    }),
    deleteSession: (id, openId, expectedVer) => run('delete_session', async () => {
      const n = await r.bffDeleteIf(keys.session(id), expectedVer ?? '')
      const userKey = keys.user(openId)
      // Every form the entry may have: it was signed with whichever key was first then.
      if (n !== -1) await r.zrem(userKey, ...signer.signAll(userKey, id))
      return n === 1
    }),
    userSessions: (openId) => run('user_sessions', async () => {
      const userKey = keys.user(openId)
      const members = await r.zrevrangebyscore(userKey, '+inf', Date.now())
      return members.map((m) => signer.open(userKey, m)).filter((id): id is string => id !== null)
    }),
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
    // The connection is its owner's to close (plugins/redis.ts).
    close: async () => {}
  }
}
