import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type tap from 'tap'
import type { SessionRecord, SessionStore, StoreOptions } from '../../src/session/store.js'
import { createRecordSigner } from '../../src/session/signer.js'

// One suite, every store (after oauth2-proxy's session_store_tests.go): what the services rely
// on, asserted the same way against the memory store, a standalone Redis and a Redis Cluster.
// TTLs are checked in the one direction that cannot flake: gone well after they end.

type T = Parameters<Parameters<typeof tap.test>[0]>[0]

const rnd = (): string => randomBytes(12).toString('base64url')

export function record (over: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now()
  return { ver: 1, openId: `user-${rnd()}`, scopes: ['user.info.basic'], at: 'k.sealed-at', rt: 'k.sealed-rt', atExp: now + 60_000, atTtl: 60, exp: now + 60_000, created: now, ...over }
}

/** The idle timeout of the stores under test: long enough to stay out of the other tests' way. */
export const IDLE_MS = 1200

/** Options for a store under test: its own prefix, a random signing key, IDLE_MS. */
export function storeOptions (prefix: string): StoreOptions {
  return { prefix, signer: createRecordSigner([randomBytes(32)]), idleMs: IDLE_MS }
}

export function storeContract (t: T, store: SessionStore): void {
  t.test('putOnce / takeOnce: single use, even under concurrent takers', async (t) => {
    const hash = rnd()
    await store.putOnce('handoff', hash, 'value-1', 10_000)
    const takers = await Promise.all(Array.from({ length: 20 }, () => store.takeOnce('handoff', hash)))
    t.equal(takers.filter((v) => v === 'value-1').length, 1, 'exactly one taker got the value')
    t.equal(takers.filter((v) => v === null).length, 19)
    t.equal(await store.takeOnce('handoff', hash), null, 'gone afterwards')
  })

  t.test('putOnce: kinds do not collide; values expire with their TTL', async (t) => {
    const hash = rnd()
    await store.putOnce('state', hash, 'pending', 10_000)
    await store.putOnce('handoff', hash, 'code', 150)
    await sleep(400)
    t.equal(await store.takeOnce('handoff', hash), null, 'expired')
    t.equal(await store.takeOnce('state', hash), 'pending', 'the other kind is untouched')
  })

  t.test('sessions: create, read, expire with exp', async (t) => {
    const id = rnd()
    t.equal(await store.getSession(id), null)
    const r = record()
    await store.createSession(id, r)
    t.same(await store.getSession(id), r, 'read back as written')
    const short = rnd()
    await store.createSession(short, record({ exp: Date.now() + 150 }))
    await sleep(400)
    t.equal(await store.getSession(short), null, 'gone after exp')
  })

  t.test('replaceSession: compare-and-set on the version', async (t) => {
    const id = rnd()
    const r = record()
    await store.createSession(id, r)
    t.equal(await store.replaceSession(id, { ...r, ver: 2, at: 'k.at-2' }, 2), 'conflict', 'wrong expected version')
    t.equal((await store.getSession(id))?.ver, 1, 'a conflict writes nothing')
    t.equal(await store.replaceSession(id, { ...r, ver: 2, at: 'k.at-2' }, 1), 'replaced')
    t.equal((await store.getSession(id))?.at, 'k.at-2')
    t.equal(await store.replaceSession(rnd(), { ...r, ver: 2 }, 1), 'gone', 'no such session')
    const results = await Promise.all(Array.from({ length: 10 }, (_v, i) => store.replaceSession(id, { ...r, ver: 3, at: `k.at-3-${i}` }, 2)))
    t.equal(results.filter((x) => x === 'replaced').length, 1, 'of racing writers on one version, one lands')
    t.equal(results.filter((x) => x === 'conflict').length, 9)
    const short = record({ exp: Date.now() + 10_000 })
    await store.createSession(id, short)
    await store.replaceSession(id, { ...short, ver: 2, exp: Date.now() + 150 }, 1)
    await sleep(400)
    t.equal(await store.getSession(id), null, 'a replaced record expires with its own exp')
  })

  t.test('deleteSession: only the expected version; leaves the index consistent', async (t) => {
    const r = record({ ver: 3 })
    const id = rnd()
    await store.createSession(id, r)
    t.equal(await store.deleteSession(id, r.openId, 2), false, 'another version is not deleted')
    t.ok(await store.getSession(id), 'still there')
    t.same(await store.userSessions(r.openId), [id], 'and still listed')
    t.equal(await store.deleteSession(id, r.openId, 3), true)
    t.equal(await store.getSession(id), null)
    t.same(await store.userSessions(r.openId), [], 'unlisted')
    const other = rnd()
    await store.createSession(other, r)
    t.equal(await store.deleteSession(other, r.openId), true, 'without a version: whatever is there')
    t.equal(await store.deleteSession(other, r.openId), false, 'nothing left to delete')
  })

  t.test('userSessions: the user\'s live sessions, latest expiring first', async (t) => {
    const openId = `user-${rnd()}`
    const now = Date.now()
    const ids = { mid: rnd(), late: rnd(), early: rnd(), dying: rnd() }
    await store.createSession(ids.mid, record({ openId, exp: now + 20_000 }))
    await store.createSession(ids.late, record({ openId, exp: now + 30_000 }))
    await store.createSession(ids.early, record({ openId, exp: now + 10_000 }))
    await store.createSession(ids.dying, record({ openId, exp: now + 150 }))
    await store.createSession(rnd(), record({ exp: now + 40_000 }))
    await sleep(400)
    t.same(await store.userSessions(openId), [ids.late, ids.mid, ids.early], 'expired and other users\' sessions left out')
    t.same(await store.userSessions(`user-${rnd()}`), [], 'unknown user')
  })

  t.test('refresh lock: one owner; renew and release by the owner only; the lease lapses', async (t) => {
    const id = rnd()
    t.equal(await store.acquireLock(id, 'a', 10_000), true)
    t.equal(await store.acquireLock(id, 'b', 10_000), false, 'held')
    t.equal(await store.renewLock(id, 'b', 10_000), false, 'not b\'s to renew')
    await store.releaseLock(id, 'b')
    t.equal(await store.acquireLock(id, 'b', 10_000), false, 'b cannot release a\'s lock')
    t.equal(await store.renewLock(id, 'a', 10_000), true)
    await store.releaseLock(id, 'a')
    t.equal(await store.acquireLock(id, 'b', 1000), true, 'free once released')
    await sleep(100)
    t.equal(await store.renewLock(id, 'b', 10_000), true, 'renewed before its lease ends')
    await sleep(1300)
    t.equal(await store.acquireLock(id, 'c', 10_000), false, 'the renewal outlived the first lease')
    await store.releaseLock(id, 'b')
    const short = rnd()
    t.equal(await store.acquireLock(short, 'd', 150), true)
    await sleep(400)
    t.equal(await store.renewLock(short, 'd', 10_000), false, 'a lapsed lease cannot be renewed')
    t.equal(await store.acquireLock(short, 'e', 10_000), true, 'a lapsed lease frees the lock')
    await store.releaseLock(short, 'e')
    t.equal(await store.acquireLock(id, 'c', 10_000), true)
    await store.releaseLock(id, 'c')
  })

  t.test('idle timeout: a session unused for IDLE_MS ends; reads that touch it keep it alive, never past exp', async (t) => {
    const idle = rnd()
    await store.createSession(idle, record({ exp: Date.now() + 60_000 }))
    const used = rnd()
    await store.createSession(used, record({ exp: Date.now() + 60_000 }))
    const capped = rnd()
    await store.createSession(capped, record({ exp: Date.now() + 2000 }))
    // Touch every 400 ms for 2.4 s: twice the idle timeout.
    for (let i = 0; i < 6; i++) {
      await sleep(400)
      t.ok(await store.getSession(used, true), `touched session alive after ${(i + 1) * 400} ms`)
      await store.getSession(capped, true)
      if (i === 1) t.ok(await store.getSession(idle), 'a read that does not touch sees the idle session before it ends')
    }
    t.equal(await store.getSession(idle), null, 'the untouched session ended after its idle timeout')
    t.equal(await store.getSession(capped, true), null, 'touching never keeps a session past its exp')
    await sleep(1500)
    t.equal(await store.getSession(used), null, 'the touched one ends once it is left idle')
  })

  t.test('ping answers', async (t) => {
    await store.ping()
    t.ok(true)
  })
}
