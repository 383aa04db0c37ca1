import { digest, newSecret } from '../session/keys.js'
import type { SessionRecord, SessionStore } from '../session/store.js'
import { DecryptError, type TokenCipher } from '../session/crypto.js'
import type { FastifyBaseLogger } from 'fastify'
import type { TikTokClient, TokenSet } from '../tiktok/client.js'
import { StoreError } from '../session/record.js'
import { storeUnavailable, tokenInvalid } from '../errors.js'

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

export const sealContext = (id: string, field: 'at' | 'rt'): string => `${id}:${field}`

/** Rethrows a store failure as the contract's 503; anything else as it is. */
export function storeFault (err: unknown): never {
  if (err instanceof StoreError) throw storeUnavailable(err)
  throw err
}

export function buildRecord (id: string, cipher: TokenCipher, t: TokenSet, now: number, prev: { ver: number, exp: number, created: number, unionId?: string } | undefined, ttlCapSeconds: number | undefined): SessionRecord {
  // refresh_expires_in counts down from the grant's first issue (tiktok-api.md §2): a session
  // ends at the earlier of that and SESSION_TTL_SECONDS from its creation.
  const byTikTok = now + t.refreshExpiresIn * 1000
  const created = prev?.created ?? now
  const cap = ttlCapSeconds === undefined ? Infinity : created + ttlCapSeconds * 1000
  const exp = Math.min(byTikTok, cap, prev?.exp ?? Infinity)
  return {
    ver: (prev?.ver ?? 0) + 1,
    openId: t.openId,
    ...(prev?.unionId === undefined ? {} : { unionId: prev.unionId }),
    scopes: t.scopes,
    at: cipher.seal(t.accessToken, sealContext(id, 'at')),
    rt: cipher.seal(t.refreshToken, sealContext(id, 'rt')),
    atExp: now + t.expiresIn * 1000,
    atTtl: t.expiresIn,
    exp,
    created
  }
}

export function createSessionService (deps: { store: SessionStore, cipher: TokenCipher, tiktok: TikTokClient, sessionTtlSeconds: number | undefined }) {
  const { store, cipher, tiktok } = deps

  /** Deletes one session, then revokes its TikTok grant (best effort: logged, never thrown). */
  async function end (id: string, record: SessionRecord, log: FastifyBaseLogger): Promise<void> {
    await store.deleteSession(id, record.openId).catch(storeFault)
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
      if (err instanceof DecryptError) throw tokenInvalid('This session can no longer be read; log in again.')
      throw err
    }
    opened.set(record, plain)
    return plain
  }

  return {
    async create (t: TokenSet): Promise<IssuedSession> {
      const token = newSecret()
      const id = digest(token)
      const record = buildRecord(id, cipher, t, Date.now(), undefined, deps.sessionTtlSeconds)
      await store.createSession(id, record).catch(storeFault)
      return { token, token_type: 'Bearer', expires_at: new Date(record.exp).toISOString(), open_id: record.openId, scopes: record.scopes }
    },

    /** The live session of a bearer token, read from the store on every call (no cache). */
    async authenticate (token: string | undefined): Promise<Authenticated> {
      if (token === undefined || token === '') throw tokenInvalid('A session token is required: Authorization: Bearer <token>.')
      const id = digest(token)
      const record = await store.getSession(id).catch(storeFault)
      if (record === null || record.exp <= Date.now()) throw tokenInvalid()
      // A record sealed with a key no longer configured is kept, not deleted: a deploy that
      // dropped a key too early (or on some instances only) is undone by adding it back.
      openAccessToken(id, record)
      return { id, record }
    },

    /** A live session by id, or null (for lookups by user). */
    async find (id: string): Promise<SessionRecord | null> {
      const record = await store.getSession(id).catch(storeFault)
      return record !== null && record.exp > Date.now() ? record : null
    },

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
      await store.replaceSession(a.id, { ...a.record, unionId }, a.record.ver).catch(storeFault)
    },

    async remove (a: Authenticated, expectedVer?: number): Promise<boolean> {
      return await store.deleteSession(a.id, a.record.openId, expectedVer).catch(storeFault)
    },

    async userSessionIds (openId: string): Promise<string[]> {
      return await store.userSessions(openId).catch(storeFault)
    },

    /** POST /auth/logout: this session, or every session of its user on every instance. */
    async logout (a: Authenticated, allSessions: boolean, log: FastifyBaseLogger): Promise<number> {
      if (!allSessions) {
        await end(a.id, a.record, log)
        return 1
      }
      // Through the per-user index, so sessions made on any instance are found.
      const ids = new Set([a.id, ...await store.userSessions(a.record.openId).catch(storeFault)])
      const found = await Promise.all([...ids].map(async (id) =>
        ({ id, record: id === a.id ? a.record : await store.getSession(id).catch(storeFault) })))
      const mine = found.filter((f): f is Authenticated => f.record !== null && f.record.openId === a.record.openId)
      await Promise.all(mine.map((f) => end(f.id, f.record, log)))
      return mine.length
    }
  }
}

export type SessionService = ReturnType<typeof createSessionService>
