import { createKeys } from './keys.js'
import { decodeRecord } from './record.js'
import { idleDue, sessionTtl, type ReplaceResult, type SessionRecord, type SessionStore, type StoreOptions } from './store.js'

// The in-process store for development (no Redis variable set): same contract as the Redis
// store, including TTLs, single-use reads, signed records and the idle timeout, so the dev mode
// behaves as production does. Refused when NODE_ENV=production (config/index.ts).

interface Entry { value: string, expiresAt: number }

export function createMemoryStore (opts: StoreOptions): SessionStore {
  const { signer, idleMs } = opts
  const keys = createKeys(opts.prefix)
  const data = new Map<string, Entry>()
  /** Per user: signed index members and the session's `exp`. */
  const indexes = new Map<string, Map<string, number>>()

  const sweep = setInterval(() => {
    const now = Date.now()
    for (const [k, e] of data) if (e.expiresAt <= now) data.delete(k)
    for (const [k, members] of indexes) {
      for (const [m, exp] of members) if (exp <= now) members.delete(m)
      if (members.size === 0) indexes.delete(k)
    }
  }, 30_000)
  sweep.unref()

  function entry (key: string): Entry | undefined {
    const e = data.get(key)
    if (e !== undefined && e.expiresAt <= Date.now()) {
      data.delete(key)
      return undefined
    }
    return e
  }
  const get = (key: string): string | null => signer.open(key, entry(key)?.value ?? null)
  const set = (key: string, value: string, ttlMs: number): void => { data.set(key, { value: signer.sign(key, value), expiresAt: Date.now() + ttlMs }) }
  const session = (id: string): SessionRecord | null => decodeRecord(get(keys.session(id)))

  return {
    async putOnce (kind, hash, value, ttlMs) { set(keys[kind](hash), value, ttlMs) },
    async takeOnce (kind, hash) {
      const key = keys[kind](hash)
      const value = get(key)
      data.delete(key)
      return value
    },
    async remember (kind, hash, ttlMs) { set(keys[kind](hash), '1', ttlMs) },
    async remembers (kind, hash) { return get(keys[kind](hash)) !== null },
    async getSession (id, touch = false) {
      const record = session(id)
      const e = entry(keys.session(id))
      const now = Date.now()
      if (touch && record !== null && e !== undefined && idleDue(e.expiresAt - now, record, idleMs, now)) {
        e.expiresAt = now + sessionTtl(record, idleMs, now)
      }
      return record
    },
    async createSession (id, record) {
      set(keys.session(id), JSON.stringify(record), sessionTtl(record, idleMs))
      const k = keys.user(record.openId)
      const members = indexes.get(k) ?? new Map<string, number>()
      members.set(signer.sign(k, id), record.exp)
      indexes.set(k, members)
    },
    async replaceSession (id, record: SessionRecord, expectedVer): Promise<ReplaceResult> {
      const cur = session(id)
      if (cur === null) return 'gone'
      if (cur.ver !== expectedVer) return 'conflict'
      set(keys.session(id), JSON.stringify(record), sessionTtl(record, idleMs))
      return 'replaced'
    },
    async deleteSession (id, openId, expectedVer) {
      const cur = session(id)
      if (cur !== null && expectedVer !== undefined && cur.ver !== expectedVer) return false
      data.delete(keys.session(id))
      const k = keys.user(openId)
      for (const m of signer.signAll(k, id)) indexes.get(k)?.delete(m)
      return cur !== null
    },
    async userSessions (openId) {
      const now = Date.now()
      const k = keys.user(openId)
      const members = [...(indexes.get(k) ?? new Map<string, number>())]
      return members
        .filter(([, exp]) => exp > now).sort((a, b) => b[1] - a[1])
        .map(([m]) => signer.open(k, m)).filter((id): id is string => id !== null)
    },
    async acquireLock (id, owner, leaseMs) {
      if (entry(keys.lock(id)) !== undefined) return false
      set(keys.lock(id), owner, leaseMs)
      return true
    },
    async renewLock (id, owner, leaseMs) {
      if (get(keys.lock(id)) !== owner) return false
      set(keys.lock(id), owner, leaseMs)
      return true
    },
    async releaseLock (id, owner) {
      if (get(keys.lock(id)) === owner) data.delete(keys.lock(id))
    },
    async ping () {},
    async close () {
      clearInterval(sweep)
      data.clear()
      indexes.clear()
    }
  }
}
