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
