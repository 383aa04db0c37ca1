// What the routes that answer with TikTok's data (/me, /me/videos, /internal/users) add to the reply.
import { hash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

// Answers of TikTok's data (/me, /me/videos) are private to the session and not cached by this
// service; a client may revalidate its own copy: a strong ETag over `data` (the envelope's
// log_id differs on every answer), and If-None-Match gets a 304 with an empty body (the
// session has been checked by then).

export function etagOf (data: unknown): string {
  return `"${hash('sha1', JSON.stringify(data), 'base64url')}"`
}

export function matches (ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  return ifNoneMatch.split(',').some((t) => { const v = t.trim(); return v === '*' || v === etag || v === `W/${etag}` })
}

/** Sets the caching headers of `data`; true when the client's copy is current (answer 304). */
export function notModified (request: FastifyRequest, reply: FastifyReply, data: unknown): boolean {
  const etag = etagOf(data)
  reply.header('cache-control', 'private, no-cache').header('etag', etag).header('vary', 'Authorization')
  return matches(request.headers['if-none-match'], etag)
}

/** TikTok's log_id of the call that answered, for the header and the request's log line. */
export function passOnLogId (request: FastifyRequest, reply: FastifyReply, tiktokLogId: string | undefined): void {
  if (tiktokLogId === undefined) return
  request.tiktokLogId = tiktokLogId
  reply.header('x-tiktok-log-id', tiktokLogId)
}
