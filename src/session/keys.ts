import { hash, randomBytes } from 'node:crypto'

// Every Redis key this service writes comes from here. Values that act as bearer secrets
// (session tokens, handoff codes, OAuth state) are never keys themselves: only their SHA-256.
// One `{hash tag}` per session keeps the session and its refresh lock in one cluster slot.

export function newSecret (): string {
  return randomBytes(32).toString('base64url') // 256 bits from the CSPRNG
}

export function digest (value: string): string {
  return hash('sha256', value, 'base64url') // one-shot: no Hash object per call (hot path)
}

export interface Keys {
  session (id: string): string
  lock (id: string): string
  user (openId: string): string
  state (hash: string): string
  handoff (hash: string): string
  event (hash: string): string
  rateLimit: string
}

export function createKeys (prefix: string): Keys {
  return {
    session: (id) => `${prefix}s:{${id}}`,
    lock: (id) => `${prefix}s:{${id}}:lock`,
    user: (openId) => `${prefix}u:{${digest(openId)}}`,
    state: (hash) => `${prefix}state:{${hash}}`,
    handoff: (hash) => `${prefix}handoff:{${hash}}`,
    event: (hash) => `${prefix}event:{${hash}}`,
    rateLimit: `${prefix}rl:`
  }
}
