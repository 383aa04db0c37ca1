import type { FastifyBaseLogger } from 'fastify'
import type { SessionRecord, SessionStore } from '../session/store.js'

// A refreshed token pair that TikTok has issued but the store would not take (Redis down or
// timing out past the refresher's retries). TikTok has already retired the refresh token the
// store still holds (TikTok rotates refresh tokens: docs/tiktok.md), so dropping this pair would end the session
// at its next refresh. It is kept in memory and written again: in the background with backoff,
// and first thing when the session's next request reaches this instance. Meanwhile the refresh
// lock stays with its owner and is renewed on every attempt, so no instance refreshes with the
// retired token while Redis is merely away.
//
// What this cannot save: the pair dies with this process, and if the lock lapses while other
// instances reach Redis and this one does not, one of them meets invalid_grant and ends the
// session (the compare-and-set then keeps this pair from resurrecting it).

export interface PendingWrite { record: SessionRecord, expectedVer: number, owner: string }

interface Entry extends PendingWrite { log: FastifyBaseLogger, delay: number, timer?: NodeJS.Timeout }

const FIRST_RETRY_MS = 100
const MAX_RETRY_MS = 1000

export function createPendingWrites (deps: { store: SessionStore, leaseMs: number }) {
  const { store, leaseMs } = deps
  const entries = new Map<string, Entry>()
  let closed = false

  function drop (id: string, e: Entry): void {
    clearTimeout(e.timer)
    if (entries.get(id) === e) entries.delete(id)
  }

  /** Writes the kept pair; the session as it now is (null: it was deleted meanwhile). */
  async function land (id: string, e: Entry): Promise<SessionRecord | null> {
    await store.renewLock(id, e.owner, leaseMs).catch(() => false)
    const result = await store.replaceSession(id, e.record, e.expectedVer)
    drop(id, e)
    await store.releaseLock(id, e.owner).catch(() => {})
    e.log.info({ result }, 'a refreshed token pair kept in memory reached the session store')
    // 'conflict' is also what an earlier attempt that timed out but landed looks like.
    return result === 'replaced' ? e.record : await store.getSession(id)
  }

  function schedule (id: string, e: Entry): void {
    if (closed) return
    e.timer = setTimeout(() => {
      if (entries.get(id) !== e) return
      if (e.record.exp <= Date.now()) {
        drop(id, e)
        return
      }
      land(id, e).catch(() => {
        e.delay = Math.min(e.delay * 2, MAX_RETRY_MS)
        schedule(id, e)
      })
    }, e.delay)
    e.timer.unref()
  }

  return {
    has: (id: string): boolean => entries.has(id),

    keep (id: string, w: PendingWrite, log: FastifyBaseLogger): void {
      const e: Entry = { ...w, log, delay: FIRST_RETRY_MS }
      entries.set(id, e)
      log.warn('the session store did not take a refreshed token pair; keeping it to write again')
      schedule(id, e)
    },

    /**
     * undefined when nothing is kept for `id`; else the session once the kept pair is written
     * (null: deleted meanwhile). Throws the store's error while the store still fails.
     */
    async flush (id: string): Promise<SessionRecord | null | undefined> {
      const e = entries.get(id)
      return e === undefined ? undefined : await land(id, e)
    },

    close (): void {
      closed = true
      for (const [id, e] of entries) drop(id, e)
    }
  }
}
