import { randomBytes, randomInt } from 'node:crypto'

const CODE_TTL_MS = 5 * 60_000
const PRUNE_EVERY_MS = 60_000

/** One user's consent to one app: the tokens minted from a code and its refreshes. */
export interface Grant {
  readonly clientKey: string
  readonly openId: string
  readonly scopes: readonly string[]
  /** refresh_expires_in counts down from the grant's first issue. */
  readonly refreshExpiresAt: number
  alive: boolean
}

export interface CodeRecord {
  readonly clientKey: string
  readonly redirectUri: string
  readonly challenge: string | undefined
  readonly openId: string
  readonly scopes: readonly string[]
  readonly expiresAt: number
  used: boolean
  /** Set once exchanged, so a replay can end what it produced. */
  grant?: Grant
}

interface AccessRecord { readonly grant: Grant, expiresAt: number }

export interface IssuedTokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
  refreshExpiresIn: number
}

// Shaped like TikTok's (`act.…!1234.va`): the `!` trips clients that don't form-encode.
function token (prefix: 'act' | 'rft'): string {
  return `${prefix}.${randomBytes(30).toString('base64url')}!${randomInt(1000, 10000)}.va`
}

export class EmulatorState {
  accessTtlSeconds: number
  refreshTtlSeconds: number
  private readonly codes = new Map<string, CodeRecord>()
  private readonly access = new Map<string, AccessRecord>()
  private readonly refresh = new Map<string, Grant>()
  private lastPrune = Date.now()

  constructor (accessTtlSeconds: number, refreshTtlSeconds: number) {
    this.accessTtlSeconds = accessTtlSeconds
    this.refreshTtlSeconds = refreshTtlSeconds
  }

  issueCode (p: Omit<CodeRecord, 'expiresAt' | 'used' | 'grant'>): string {
    this.prune()
    const code = randomBytes(32).toString('base64url')
    this.codes.set(code, { ...p, expiresAt: Date.now() + CODE_TTL_MS, used: false })
    return code
  }

  /** The code if it can still be exchanged; a replayed code ends the grant it produced. */
  findCode (code: string, clientKey: string): CodeRecord | undefined {
    const record = this.codes.get(code)
    if (record === undefined || record.clientKey !== clientKey) return undefined
    if (record.used) {
      if (record.grant !== undefined) this.endGrant(record.grant)
      return undefined
    }
    return record.expiresAt > Date.now() ? record : undefined
  }

  exchangeCode (record: CodeRecord): IssuedTokens {
    record.used = true
    const grant: Grant = {
      clientKey: record.clientKey,
      openId: record.openId,
      scopes: record.scopes,
      refreshExpiresAt: Date.now() + this.refreshTtlSeconds * 1000,
      alive: true
    }
    record.grant = grant
    return this.mint(grant)
  }

  findRefresh (refreshToken: string, clientKey: string): Grant | undefined {
    const grant = this.refresh.get(refreshToken)
    if (grant === undefined || !grant.alive || grant.clientKey !== clientKey) return undefined
    return grant.refreshExpiresAt > Date.now() ? grant : undefined
  }

  /** Rotation: the old refresh token stops working, the old access token lives on until it expires. */
  rotate (oldRefreshToken: string, grant: Grant): IssuedTokens {
    this.refresh.delete(oldRefreshToken)
    return this.mint(grant)
  }

  findAccess (accessToken: string): Grant | undefined {
    const record = this.access.get(accessToken)
    if (record === undefined || !record.grant.alive || record.expiresAt <= Date.now()) return undefined
    return record.grant
  }

  /**
   * Revoke: the grant of a live access or refresh token ends; unknown, dead and expired tokens
   * are ignored (an expired access token no longer identifies a grant at TikTok).
   */
  revokeToken (tokenValue: string, clientKey: string): void {
    const access = this.access.get(tokenValue)
    const grant = access !== undefined && access.expiresAt > Date.now() ? access.grant : this.refresh.get(tokenValue)
    if (grant !== undefined && grant.clientKey === clientKey) this.endGrant(grant)
  }

  revokeUser (openId: string): void {
    for (const [c, r] of this.codes) if (r.openId === openId) this.codes.delete(c)
    for (const grant of this.grants()) {
      if (grant.openId === openId) this.endGrant(grant)
    }
  }

  expireAccessTokens (): void {
    const now = Date.now()
    for (const record of this.access.values()) record.expiresAt = Math.min(record.expiresAt, now)
  }

  tokensOf (openId: string): { accessTokens: string[], refreshTokens: string[] } {
    const now = Date.now()
    const accessTokens = [...this.access]
      .filter(([, r]) => r.grant.alive && r.grant.openId === openId && r.expiresAt > now)
      .map(([t]) => t)
    const refreshTokens = [...this.refresh]
      .filter(([, g]) => g.alive && g.openId === openId && g.refreshExpiresAt > now)
      .map(([t]) => t)
    return { accessTokens, refreshTokens }
  }

  private mint (grant: Grant): IssuedTokens {
    this.prune()
    const now = Date.now()
    const accessToken = token('act')
    const refreshToken = token('rft')
    this.access.set(accessToken, { grant, expiresAt: now + this.accessTtlSeconds * 1000 })
    this.refresh.set(refreshToken, grant)
    return {
      accessToken,
      refreshToken,
      expiresIn: this.accessTtlSeconds,
      refreshExpiresIn: Math.max(0, Math.ceil((grant.refreshExpiresAt - now) / 1000))
    }
  }

  private endGrant (grant: Grant): void {
    grant.alive = false
    for (const [t, r] of this.access) if (r.grant === grant) this.access.delete(t)
    for (const [t, g] of this.refresh) if (g === grant) this.refresh.delete(t)
  }

  private grants (): Set<Grant> {
    const all = new Set<Grant>(this.refresh.values())
    for (const r of this.access.values()) all.add(r.grant)
    return all
  }

  // A long-running `npm run emulator` should not grow without bound; dead entries answer
  // exactly as missing ones do, so dropping them changes nothing a client can see.
  private prune (): void {
    const now = Date.now()
    if (now - this.lastPrune < PRUNE_EVERY_MS) return
    this.lastPrune = now
    for (const [c, r] of this.codes) if (r.expiresAt <= now) this.codes.delete(c)
    for (const [t, r] of this.access) if (!r.grant.alive || r.expiresAt <= now) this.access.delete(t)
    for (const [t, g] of this.refresh) if (!g.alive || g.refreshExpiresAt <= now) this.refresh.delete(t)
  }
}
