// What the service needs from a session store. Two implementations stand beside this file:
// redis-store.ts (standalone, Cluster, Sentinel) and memory-store.ts (development only).
// test/session/store.contract.ts runs one suite against both.
// Every write carries its TTL; ids are digests of the bearer secrets (session/keys.ts).

export interface SessionRecord {
  /** Bumped on every token write: a refresh only lands on the version it read (fencing). */
  ver: number
  openId: string
  unionId?: string
  scopes: string[]
  /** TikTok access and refresh tokens, sealed by session/crypto.ts. */
  at: string
  rt: string
  /** Access token expiry (ms since epoch) and the lifetime TikTok gave it (seconds). */
  atExp: number
  atTtl: number
  /** When the session ends (ms since epoch): min(SESSION_TTL_SECONDS, TikTok's refresh_expires_in). */
  exp: number
  created: number
}

export type ReplaceResult = 'replaced' | 'gone' | 'conflict'

export interface SessionStore {
  /** Stores a value readable once: pending logins and handoff codes. */
  putOnce (kind: 'state' | 'handoff', hash: string, value: string, ttlMs: number): Promise<void>
  /** Reads and deletes atomically: of concurrent callers, exactly one gets the value. */
  takeOnce (kind: 'state' | 'handoff', hash: string): Promise<string | null>

  getSession (id: string): Promise<SessionRecord | null>
  createSession (id: string, record: SessionRecord): Promise<void>
  /** Writes `record` only if the stored version is still `expectedVer`. */
  replaceSession (id: string, record: SessionRecord, expectedVer: number): Promise<ReplaceResult>
  /** Deletes the session (only if still at `expectedVer`, when given). True when it was deleted. */
  deleteSession (id: string, openId: string, expectedVer?: number): Promise<boolean>
  /** Ids of the user's live sessions, latest expiring first (in practice the latest login). */
  userSessions (openId: string): Promise<string[]>

  /** The refresh lock: SET NX with a lease, owned by `owner`. */
  acquireLock (id: string, owner: string, leaseMs: number): Promise<boolean>
  renewLock (id: string, owner: string, leaseMs: number): Promise<boolean>
  releaseLock (id: string, owner: string): Promise<void>

  ping (): Promise<void>
  close (): Promise<void>
}
