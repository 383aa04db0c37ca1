import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { SessionRecord, SessionStore } from '../session/store.js'
import type { TokenCipher } from '../session/crypto.js'
import type { TikTokClient } from '../tiktok/client.js'
import { TikTokOAuthError } from '../tiktok/errors.js'
import { AppError, tokenInvalid } from '../errors.js'
import { buildRecord, sealContext, storeFault, type Authenticated } from './sessions.js'

// The one place TikTok tokens are refreshed (contract §4, issue 4).
// - Lazily: when a request finds the access token within min(60 s, expires_in / 4) of expiry.
// - At most once per session across every instance: an in-process promise per session first,
//   then a Redis lock (SET NX PX, owner token, renewed while held). The others wait and reuse
//   what the winner stored.
// - Fenced: the new record lands only on the version that was refreshed (compare-and-set), so
//   a holder that outlived its lease cannot overwrite a newer rotation.
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

export function needsRefresh (r: SessionRecord, now: number): boolean {
  return r.atExp - now <= Math.min(60_000, (r.atTtl * 1000) / 4)
}

export function createRefresher (opts: RefresherOptions) {
  const { store, tiktok, cipher } = opts
  const onRefresh = opts.onRefresh ?? (() => {})
  // The lease outlives one whole TikTok call, and is at least 5 s (contract §4).
  const leaseMs = Math.max(5000, opts.timeoutMs + 2000)
  const inflight = new Map<string, Promise<SessionRecord>>()

  async function refreshAsOwner (id: string, seen: SessionRecord, log: FastifyBaseLogger): Promise<SessionRecord> {
    const owner = randomUUID()
    if (!await store.acquireLock(id, owner, leaseMs)) return await waitForOther(id, seen, log)
    const renew = setInterval(() => { store.renewLock(id, owner, leaseMs).catch(() => {}) }, leaseMs / 3)
    try {
      const cur = await store.getSession(id)
      if (cur === null) throw tokenInvalid()
      if (cur.ver !== seen.ver) {
        onRefresh('reused')
        return cur
      }
      let tokens
      try {
        tokens = await tiktok.refresh(cipher.open(cur.rt, sealContext(id, 'rt')).plain)
      } catch (err) {
        if (err instanceof TikTokOAuthError && err.refused) {
          onRefresh('refused')
          await store.deleteSession(id, cur.openId, cur.ver)
          log.info({ tiktok_log_id: err.logId }, 'TikTok refused the refresh token: session ended')
          throw tokenInvalid('TikTok no longer accepts this session; log in again.')
        }
        onRefresh('error')
        throw err instanceof TikTokOAuthError
          ? new AppError('upstream_error', `TikTok's token endpoint answered ${err.error}.`, { tiktokLogId: err.logId })
          : err
      }
      // TikTok has now retired the old refresh token: store the new pair before anyone uses
      // it, retrying a failed write within the lease rather than dropping the only valid token.
      const next = buildRecord(id, cipher, { ...tokens, openId: cur.openId }, Date.now(), cur, opts.sessionTtlSeconds)
      const result = await retry(() => store.replaceSession(id, next, cur.ver), leaseMs / 2)
      onRefresh('ok')
      if (result === 'replaced') return next
      const now = await store.getSession(id)
      if (now === null) throw tokenInvalid()
      return now
    } finally {
      clearInterval(renew)
      await store.releaseLock(id, owner).catch(() => {})
    }
  }

  async function waitForOther (id: string, seen: SessionRecord, log: FastifyBaseLogger): Promise<SessionRecord> {
    // Up to one lease for the holder, then take over: a holder that died frees the session
    // when its lease ends.
    const deadline = Date.now() + leaseMs + 250
    while (Date.now() < deadline) {
      await sleep(50)
      const cur = await store.getSession(id)
      if (cur === null) throw tokenInvalid()
      if (cur.ver !== seen.ver) {
        onRefresh('reused')
        return cur
      }
    }
    log.warn('refresh lock held past its lease; taking over')
    return await refreshAsOwner(id, seen, log)
  }

  return {
    /**
     * The session with a usable access token: refreshed first when due, or when `force`
     * (TikTok said access_token_invalid before the recorded expiry).
     */
    async fresh (a: Authenticated, log: FastifyBaseLogger, force = false): Promise<Authenticated> {
      if (!force && !needsRefresh(a.record, Date.now())) return a
      let p = inflight.get(a.id)
      if (p === undefined) {
        p = refreshAsOwner(a.id, a.record, log).catch(storeFault).finally(() => inflight.delete(a.id))
        inflight.set(a.id, p)
      }
      return { id: a.id, record: await p }
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
