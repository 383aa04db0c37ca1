import { randomFillSync } from 'node:crypto'
import type { ErrorCode } from './errors.js'

export interface Envelope<T> {
  data: T
  error: { code: 'ok' | ErrorCode, message: string, log_id: string }
}

export function ok<T> (data: T, logId: string): Envelope<T> {
  return { data, error: { code: 'ok', message: '', log_id: logId } }
}

export function fail (code: ErrorCode, message: string, logId: string): Envelope<Record<string, never>> {
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

export const LOG_ID_PATTERN = /^\d{14}[0-9A-F]{20}$/
