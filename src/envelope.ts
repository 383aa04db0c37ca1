import { randomFillSync } from 'node:crypto'
import type { ErrorCode } from './errors.js'

export interface Success<T> {
  data: T
  error: { code: 'ok', message: '', log_id: string }
}

export interface Failure {
  data: Record<string, never>
  error: { code: ErrorCode, message: string, log_id: string }
}

/** Every success answer: the route's data in TikTok's envelope. */
export function ok<T> (data: T, logId: string): Success<T> {
  return { data, error: { code: 'ok', message: '', log_id: logId } }
}

/** Every error answer (plugins/error-handler.ts, plugins/security.ts). */
export function fail (code: ErrorCode, message: string, logId: string): Failure {
  return { data: {}, error: { code, message, log_id: logId } }
}

// log_id in TikTok's format: 14 digits of UTC time then 20 upper-case hex characters.
// Random bytes are drawn in batches: one getrandom call per 512 ids keeps it off the hot path.
const BATCH = 512
const ID_BYTES = 10
const pool = Buffer.alloc(BATCH * ID_BYTES)
let offset = pool.length

let lastSecond = 0
let lastStamp = ''

function utcStamp (now: number): string {
  const second = Math.floor(now / 1000)
  if (second !== lastSecond) {
    lastSecond = second
    lastStamp = new Date(second * 1000).toISOString().slice(0, 19).replace(/[-T:]/g, '')
  }
  return lastStamp
}

export function newLogId (now = Date.now()): string {
  if (offset >= pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const hex = pool.toString('hex', offset, offset + ID_BYTES).toUpperCase()
  offset += ID_BYTES
  return utcStamp(now) + hex
}

export const LOG_ID_PATTERN = /^[0-9]{14}[0-9A-F]{20}$/
/** An example log_id, for the OpenAPI document. */
export const LOG_ID_EXAMPLE = '20261124093011A1B2C3D4E5F6A7B8C9D0'
