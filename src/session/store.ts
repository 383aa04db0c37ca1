import type { RecordSigner } from './signer.js'

// What the service needs from a session store. Two implementations stand beside this file:
// redis-store.ts (standalone, Cluster, Sentinel) and memory-store.ts (development only).
// test/session/store.contract.ts runs one suite against both.
// Every write carries its TTL; ids are digests of the bearer secrets (session/keys.ts); every
// record is signed for its key (signer.ts) and one that fails the check reads as absent.

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
  /** Marks a delivered webhook event as handled, for `ttlMs` (TikTok delivers at least once). */
  remember (kind: 'event', hash: string, ttlMs: number): Promise<void>
  /** Whether the event was handled already. */
  remembers (kind: 'event', hash: string): Promise<boolean>

  /**
   * The session, or null. `touch`: the caller is the user at work, so the idle timeout slides:
   * when less than half of it is left, it starts again (never past the record's `exp`). Only
   * then is anything written, so most reads cost one round trip.
   */
  getSession (id: string, touch?: boolean): Promise<SessionRecord | null>
  /** Lives until the idle timeout or `exp`, whichever comes first. */
  createSession (id: string, record: SessionRecord): Promise<void>
  /** Writes `record` only if the stored version is still `expectedVer` (the idle timeout starts again). */
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

/** A store command failed (unreachable, timed out): the request answers 503 (plugins/error-handler.ts). */
export class StoreError extends Error {
  override readonly name = 'StoreError'
  readonly operation: string
  constructor (operation: string, cause: unknown) {
    super(`session store ${operation} failed`, { cause })
    this.operation = operation
  }
}

export interface StoreOptions {
  /** Prefix of every key (REDIS_KEY_PREFIX). */
  prefix: string
  /** Signs and checks every record (signer.ts). */
  signer: RecordSigner
  /** SESSION_IDLE_TIMEOUT_SECONDS, in ms. */
  idleMs: number
  /** Told the operation of every failed command (the store-errors metric). */
  onError?: (operation: string) => void
}

/** How long a session key lives from now: the idle timeout, or less when the session ends sooner. */
export function sessionTtl (record: SessionRecord, idleMs: number, now = Date.now()): number {
  return Math.max(1, Math.min(idleMs, record.exp - now))
}

/** Whether a read should start the idle timeout again: less than half of it is left, and the session lasts longer. */
export function idleDue (ttlMs: number, record: SessionRecord, idleMs: number, now = Date.now()): boolean {
  return ttlMs >= 0 && ttlMs < idleMs / 2 && record.exp - now > ttlMs
}
