import { randomBytes } from 'node:crypto'

/** TikTok's log_id: UTC `YYYYMMDDhhmmss` + 20 upper-case hex digits (34 chars). */
export function logId (now: Date = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-T:]/g, '')
  return stamp + randomBytes(10).toString('hex').toUpperCase()
}
