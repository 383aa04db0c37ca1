import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { ReplaceResult, SessionRecord, SessionStore } from '../session/store.js'
import { DecryptError, type TokenCipher } from '../session/crypto.js'
import type { TikTokClient, TokenSet } from '../tiktok/client.js'
import { TikTokOAuthError } from '../tiktok/errors.js'
import { StoreError } from '../session/store.js'
import { buildRecord, sealContext } from '../session/record.js'
import { Errors } from '../errors.js'
import type { Authenticated } from './sessions.js'
import { createPendingWrites } from './refresh-pending.js'

// The one place TikTok tokens are refreshed (docs/architecture.md, "Token refresh").
// - Lazily: when a request finds the access token within min(60 s, expires_in / 4) of expiry.
// - At most once per session across every instance: an in-process promise per session first,
//   then a Redis lock (SET NX PX, owner token, renewed every lease / 3 while held). The others
//   poll: they reuse what the winner stored, or take the lock once it is free (a holder that
//   failed released it; one that died lets it lapse within one lease).
// - Fenced: the new record lands only on the version that was refreshed (compare-and-set), so
//   a holder that outlived its lease cannot overwrite a newer rotation.
// - Rotation without loss: the new pair is stored before anyone uses it; a store that will not
//   take it is retried within the lease, then the pair is kept and written again
//   (refresh-pending.ts) rather than dropped with the only refresh token TikTok still accepts.
// - Refusal (invalid_grant) deletes the session, but only the version that was refused.

export type RefreshOutcome = 'ok' | 'refused' | 'error' | 'reused'

export interface RefresherOptions {
  store: SessionStore
  tiktok: TikTokClient
  cipher: TokenCipher
  timeoutMs: number
  sessionTtlSeconds: number | undefined
  onRefresh?: (outcome: RefreshOutcome) => void
}

const POLL_MS = 50

export function needsRefresh (r: SessionRecord, now: number): boolean {
  return r.atExp - now <= Math.min(60_000, (r.atTtl * 1000) / 4)
}

export function createRefresher (opts: RefresherOptions) {
  const { store, tiktok, cipher } = opts
  const onRefresh = opts.onRefresh ?? (() => {})
  // The lease outlives one whole TikTok call, and is at least 5 s.
  const leaseMs = Math.max(5000, opts.timeoutMs + 2000)
  const inflight = new Map<string, Promise<SessionRecord>>()
  const pending = createPendingWrites({ store, leaseMs })

  async function refresh (id: string, seen: SessionRecord, log: FastifyBaseLogger): Promise<SessionRecord> {
    // A pair this instance could not store yet goes first: it holds the only live refresh token.
    const kept = await pending.flush(id)
    if (kept === null) throw Errors.sessionInvalid()
    if (kept !== undefined) return kept
    // Waiters give the holder one lease (plus a poll's slack), enough for a dead holder's lock
    // to lapse; a live holder still busy after that is stuck on the store.
    const deadline = Date.now() + leaseMs + 500
    for (;;) {
      const owner = randomUUID()
      if (await store.acquireLock(id, owner, leaseMs)) return await asOwner(id, seen, owner, log)
      const cur = await store.getSession(id)
      if (cur === null) throw Errors.sessionInvalid()
      if (cur.ver !== seen.ver) {
        onRefresh('reused')
        return cur
      }
      if (Date.now() > deadline) {
        log.warn('a token refresh of this session held its lock past the lease')
        throw Errors.refreshInProgress()
      }
      await sleep(POLL_MS)
    }
  }

  async function asOwner (id: string, seen: SessionRecord, owner: string, log: FastifyBaseLogger): Promise<SessionRecord> {
    const renew = setInterval(() => { store.renewLock(id, owner, leaseMs).catch(() => {}) }, leaseMs / 3)
    let lockHandedOver = false
    try {
      const cur = await store.getSession(id)
      if (cur === null) throw Errors.sessionInvalid()
      if (cur.ver !== seen.ver) {
        onRefresh('reused')
        return cur
      }
      let tokens: TokenSet
      try {
        tokens = await tiktok.refresh(cipher.open(cur.rt, sealContext(id, 'rt')).plain)
      } catch (err) {
        return await failed(err, id, cur, log)
      }
      const next = buildRecord(id, cipher, { ...tokens, openId: cur.openId }, Date.now(), cur, opts.sessionTtlSeconds)
      let result: ReplaceResult
      try {
        result = await retry(() => store.replaceSession(id, next, cur.ver), leaseMs / 2)
      } catch (err) {
        if (!(err instanceof StoreError)) throw err
        lockHandedOver = true
        pending.keep(id, { record: next, expectedVer: cur.ver, owner }, log)
        onRefresh('error')
        throw err
      }
      onRefresh('ok')
      // 'conflict' after a timed-out attempt that did land reads back our own record.
      return result === 'replaced' ? next : await current(id)
    } finally {
      clearInterval(renew)
      if (!lockHandedOver) await store.releaseLock(id, owner).catch(() => {})
    }
  }

  async function failed (err: unknown, id: string, cur: SessionRecord, log: FastifyBaseLogger): Promise<SessionRecord> {
    if (err instanceof TikTokOAuthError && err.refused) {
      onRefresh('refused')
      // Only the version that was refused: if a holder whose lease had lapsed stored a newer
      // pair meanwhile, that one is used instead of ending the session.
      if (!await store.deleteSession(id, cur.openId, cur.ver)) {
        const now = await store.getSession(id)
        if (now !== null && now.ver !== cur.ver) return now
      }
      log.info({ tiktok_log_id: err.logId, reason: err.error }, 'TikTok refused the refresh token: session ended')
      throw Errors.sessionRefused({ tiktokLogId: err.logId })
    }
    onRefresh('error')
    // Sealed with a key no longer configured (sessions.ts keeps such records): log in again.
    if (err instanceof DecryptError) throw Errors.sessionUnreadable()
    throw err instanceof TikTokOAuthError
      ? Errors.upstreamRefused('token', err.error, { tiktokLogId: err.logId })
      : err
  }

  async function current (id: string): Promise<SessionRecord> {
    const now = await store.getSession(id)
    if (now === null) throw Errors.sessionInvalid()
    return now
  }

  /** Whether fresh() has work to do: the access token is due, or a kept pair is waiting. */
  function due (a: Authenticated): boolean {
    return needsRefresh(a.record, Date.now()) || pending.has(a.id)
  }

  return {
    due,

    /**
     * The session with a usable access token: refreshed first when due, or when `force`
     * (TikTok said access_token_invalid before the recorded expiry).
     */
    async fresh (a: Authenticated, log: FastifyBaseLogger, force = false): Promise<Authenticated> {
      if (!force && !due(a)) return a
      let p = inflight.get(a.id)
      if (p === undefined) {
        p = refresh(a.id, a.record, log).finally(() => inflight.delete(a.id))
        inflight.set(a.id, p)
      }
      return { id: a.id, record: await p }
    },

    /** Stops writing kept pairs again (app close). */
    close (): void {
      pending.close()
    }
  }
}

async function retry<T> (fn: () => Promise<T>, budgetMs: number): Promise<T> {
  const deadline = Date.now() + budgetMs
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      if (Date.now() + 100 * attempt > deadline) throw err
      await sleep(100 * attempt)
    }
  }
}

export type Refresher = ReturnType<typeof createRefresher>
