import { createKeys } from './keys.js'
import type { ReplaceResult, SessionRecord, SessionStore } from './store.js'
import { decodeRecord } from './record.js'

// The in-process store for development (no Redis variable set): same contract as the Redis
// store, including TTLs and single-use reads, so the dev mode behaves as production does.
// Refused when NODE_ENV=production (config/index.ts).

interface Entry { value: string, expiresAt: number }

export function createMemoryStore (prefix = 'tiktok-bff:'): SessionStore {
  const keys = createKeys(prefix)
  const data = new Map<string, Entry>()
  const indexes = new Map<string, Map<string, number>>()

  const sweep = setInterval(() => {
    const now = Date.now()
    for (const [k, e] of data) if (e.expiresAt <= now) data.delete(k)
    for (const [k, members] of indexes) {
      for (const [id, exp] of members) if (exp <= now) members.delete(id)
      if (members.size === 0) indexes.delete(k)
    }
  }, 30_000)
  sweep.unref()

  function get (key: string): string | null {
    const e = data.get(key)
    if (e === undefined) return null
    if (e.expiresAt <= Date.now()) {
      data.delete(key)
      return null
    }
    return e.value
  }
  const set = (key: string, value: string, ttlMs: number): void => { data.set(key, { value, expiresAt: Date.now() + ttlMs }) }

  return {
    async putOnce (kind, hash, value, ttlMs) { set(keys[kind](hash), value, ttlMs) },
    async takeOnce (kind, hash) {
      const key = keys[kind](hash)
      const value = get(key)
      data.delete(key)
      return value
    },
    async getSession (id) { return decodeRecord(get(keys.session(id))) },
    async createSession (id, record) {
      set(keys.session(id), JSON.stringify(record), record.exp - Date.now())
      const k = keys.user(record.openId)
      const members = indexes.get(k) ?? new Map<string, number>()
      members.set(id, record.exp)
      indexes.set(k, members)
    },
    async replaceSession (id, record: SessionRecord, expectedVer): Promise<ReplaceResult> {
      const cur = decodeRecord(get(keys.session(id)))
      if (cur === null) return 'gone'
      if (cur.ver !== expectedVer) return 'conflict'
      set(keys.session(id), JSON.stringify(record), Math.max(1, record.exp - Date.now()))
      return 'replaced'
    },
    async deleteSession (id, openId, expectedVer) {
      const cur = decodeRecord(get(keys.session(id)))
      if (cur !== null && expectedVer !== undefined && cur.ver !== expectedVer) return false
      data.delete(keys.session(id))
      indexes.get(keys.user(openId))?.delete(id)
      return cur !== null
    },
    async userSessions (openId) {
      const now = Date.now()
      const members = [...(indexes.get(keys.user(openId)) ?? new Map<string, number>())]
      return members.filter(([, exp]) => exp > now).sort((a, b) => b[1] - a[1]).map(([id]) => id)
    },
    async acquireLock (id, owner, leaseMs) {
      if (get(keys.lock(id)) !== null) return false
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
