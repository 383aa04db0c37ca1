import { hash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'

/** The credentials of `Authorization: Bearer <token>`, or undefined. */
export function bearer (request: FastifyRequest): string | undefined {
  const h = request.headers.authorization
  if (h === undefined || h.length < 8 || h.slice(0, 7).toLowerCase() !== 'bearer ') return undefined
  const token = h.slice(7).trim()
  return token === '' ? undefined : token
}

export const SESSION_SECURITY = [{ sessionToken: [] }]
export const INTERNAL_SECURITY = [{ internalApiKey: [] }]

/**
 * Which configured internal API key a request presents, or undefined. The SHA-256 of the
 * presented key is compared in constant time against every key's (equal lengths, no early
 * exit), so timing tells neither the length nor which key matched.
 */
export function createInternalKeyMatcher (keys: ReadonlyArray<{ name: string, secret: string }>): (request: FastifyRequest) => string | undefined {
  const hashed = keys.map((k) => ({ name: k.name, hash: hash('sha256', k.secret, 'buffer') }))
  return (request) => {
    const presented = hash('sha256', bearer(request) ?? '', 'buffer')
    let name: string | undefined
    for (const k of hashed) if (timingSafeEqual(k.hash, presented) && name === undefined) name = k.name
    return name
  }
}
