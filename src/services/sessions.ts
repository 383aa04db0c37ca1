import { digest, newSecret } from '../session/keys.js'
import { StoreError, type SessionRecord, type SessionStore } from '../session/store.js'
import type { Refresher } from './refresh.js'
import { DecryptError, type TokenCipher } from '../session/crypto.js'
import type { FastifyBaseLogger } from 'fastify'
import type { TikTokClient, TokenSet } from '../tiktok/client.js'
import { buildRecord, sealContext } from '../session/record.js'
import { Errors } from '../errors.js'

// Sessions: made from a TikTok token set, found by the bearer token's digest, ended on logout.
// The bearer token itself is never stored; TikTok's tokens are sealed to their session.

export interface IssuedSession {
  token: string
  token_type: 'Bearer'
  expires_at: string
  open_id: string
  scopes: string[]
}

export interface Authenticated { id: string, record: SessionRecord }

export interface SessionDeps {
  store: SessionStore
  cipher: TokenCipher
  tiktok: TikTokClient
  refresher: Refresher
  sessionTtlSeconds: number | undefined
}

export function createSessionService (deps: SessionDeps) {
  const { store, cipher, tiktok, refresher } = deps

  /**
   * Deletes one session, then revokes its TikTok grant (best effort: logged, never thrown).
   * Access tokens live hours and are refreshed lazily, so an idle session's may have expired:
   * revoking that one would leave the grant (and its refresh token) alive at TikTok for months.
   * It is refreshed first, under the same lock as any refresh, and the fresh one revoked.
   */
  async function end (session: Authenticated, log: FastifyBaseLogger): Promise<void> {
    let live: Authenticated | undefined = session
    if (refresher.due(session)) {
      live = await refresher.fresh(session, log).catch((err: unknown) => {
        if (err instanceof StoreError) throw err
        // Refused (the grant is over already) or TikTok failing: the session ends anyway.
        log.warn({ err }, 'could not refresh the access token to revoke it')
        return undefined
      })
    }
    await store.deleteSession(session.id, session.record.openId)
    if (live === undefined) return
    const { id, record } = live
    let accessToken: string
    try {
      accessToken = cipher.open(record.at, sealContext(id, 'at')).plain
    } catch (err) {
      log.warn({ err }, 'could not open the access token to revoke it')
      return
    }
    await tiktok.revoke(accessToken).catch((err: unknown) => {
      log.warn({ err, tiktok_log_id: (err as { logId?: string }).logId }, 'TikTok revoke failed (the session is deleted anyway)')
    })
  }

  // The access token a request opened when it authenticated, so that /me decrypts it once.
  const opened = new WeakMap<SessionRecord, string>()

  /**
   * Opens the record's access token, or answers 401 when it cannot be opened (sealed with a key
   * no longer in TOKEN_ENCRYPTION_KEYS). Both tokens of a record are sealed together with the
   * same key (buildRecord), so the access token answers for the refresh token too; a refresh
   * token that alone fails to open ends the session at its refresh (refresh.ts).
   */
  function openAccessToken (id: string, record: SessionRecord): string {
    let plain = opened.get(record)
    if (plain !== undefined) return plain
    try {
      plain = cipher.open(record.at, sealContext(id, 'at')).plain
    } catch (err) {
      if (err instanceof DecryptError) throw Errors.sessionUnreadable()
      throw err
    }
    opened.set(record, plain)
    return plain
  }

  /** A live session by id, or null (for lookups by user). */
  async function find (id: string): Promise<SessionRecord | null> {
    const record = await store.getSession(id)
    return record !== null && record.exp > Date.now() ? record : null
  }

  return {
    async create (t: TokenSet): Promise<IssuedSession> {
      const token = newSecret()
      const id = digest(token)
      const record = buildRecord(id, cipher, t, Date.now(), undefined, deps.sessionTtlSeconds)
      await store.createSession(id, record)
      return { token, token_type: 'Bearer', expires_at: new Date(record.exp).toISOString(), open_id: record.openId, scopes: record.scopes }
    },

    /** The live session of a bearer token, read from the store on every call (no cache). */
    async authenticate (token: string | undefined): Promise<Authenticated> {
      if (token === undefined || token === '') throw Errors.sessionRequired()
      const id = digest(token)
      // The user at work: the idle timeout slides.
      const record = await store.getSession(id, true)
      if (record === null || record.exp <= Date.now()) throw Errors.sessionInvalid()
      // A record sealed with a key no longer configured is kept, not deleted: a deploy that
      // dropped a key too early (or on some instances only) is undone by adding it back.
      openAccessToken(id, record)
      return { id, record }
    },

    /** The live session of a token, or null: whatever it is, never an error (introspection). */
    async introspect (token: string): Promise<SessionRecord | null> {
      if (token === '') return null
      // An app's backend checking its user's token is that user at work: the idle timeout slides.
      const record = await store.getSession(digest(token), true)
      return record !== null && record.exp > Date.now() ? record : null
    },

    find,

    accessToken (a: Authenticated): string {
      return openAccessToken(a.id, a.record)
    },

    /**
     * Remembers the union_id TikTok returned, once, for introspection. The record keeps its
     * version: the tokens are untouched, and a bumped version would make a concurrent refresh
     * (which read the old one) miss its compare-and-set and lose the rotated refresh token.
     * A write that loses a race (conflict, gone) is dropped: the next /me learns it again.
     */
    async rememberUnionId (a: Authenticated, unionId: string): Promise<void> {
      if (a.record.unionId !== undefined) return
      await store.replaceSession(a.id, { ...a.record, unionId }, a.record.ver)
    },

    async remove (a: Authenticated, expectedVer?: number): Promise<boolean> {
      return await store.deleteSession(a.id, a.record.openId, expectedVer)
    },

    async userSessionIds (openId: string): Promise<string[]> {
      return await store.userSessions(openId)
    },

    /**
     * Ends every session of a user without revoking (TikTok removed the grant itself). The
     * store is read on every request, so they end on every instance at once.
     */
    async endAllOf (openId: string): Promise<number> {
      const ids = await store.userSessions(openId)
      const ended = await Promise.all(ids.map(async (id) => {
        const record = await store.getSession(id)
        return record !== null && record.openId === openId && await store.deleteSession(id, openId)
      }))
      return ended.filter(Boolean).length
    },

    /** POST /auth/logout: this session, or every session of its user on every instance. */
    async logout (a: Authenticated, allSessions: boolean, log: FastifyBaseLogger): Promise<number> {
      if (!allSessions) {
        await end(a, log)
        return 1
      }
      // Through the per-user index, so sessions made on any instance are found.
      const ids = new Set([a.id, ...await store.userSessions(a.record.openId)])
      const found = await Promise.all([...ids].map(async (id) =>
        ({ id, record: id === a.id ? a.record : await store.getSession(id) })))
      const mine = found.filter((f): f is Authenticated => f.record !== null && f.record.openId === a.record.openId)
      await Promise.all(mine.map((f) => end(f, log)))
      return mine.length
    }
  }
}

export type SessionService = ReturnType<typeof createSessionService>
