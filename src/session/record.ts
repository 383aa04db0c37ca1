import type { SessionRecord } from './store.js'

/** A store command failed (unreachable, timed out): the request answers 503. */
export class StoreError extends Error {
  readonly operation: string
  constructor (operation: string, cause: unknown) {
    super(`session store ${operation} failed`, { cause })
    this.name = 'StoreError'
    this.operation = operation
  }
}

export function decodeRecord (raw: string | null): SessionRecord | null {
  if (raw === null) return null
  return JSON.parse(raw) as SessionRecord
}
