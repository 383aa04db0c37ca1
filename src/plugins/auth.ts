import { hash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { normalizeIP } from '@fastify/rate-limit'
import type { Config } from '../config/index.js'
import { AppError, Errors } from '../errors.js'
import type { Authenticated } from '../services/sessions.js'

// Who is calling, resolved once per request, before anything else of the route runs (its rate
// limit included). A route names what it needs in its config:
// - `auth: 'session'`: `Authorization: Bearer <session token>`, a live session read from the
//   store (never cached); `request.session` holds it.
// - `auth: 'internal'`: `Authorization: Bearer <internal API key>`; `request.caller` holds the
//   key's name (logged; the secret never is).
// A credential that fails the check counts against the client's address under the /auth/*
// limit (RATE_LIMIT_AUTH_PER_MINUTE): past it, failures answer 429 instead of 401. One counter
// per address, never one per guessed token. Valid credentials are never refused for others'
// failures (a shared address behind a NAT or proxy): a guess is hopeless anyway (sessions are
// 256-bit, internal keys 128-bit or more); the limit caps what guessing costs the store.

export type AuthKind = 'session' | 'internal'

/** The credentials of `Authorization: Bearer <token>`, or undefined. */
export function bearer (request: FastifyRequest): string | undefined {
  const h = request.headers.authorization
  if (h === undefined || h.length < 8 || h.slice(0, 7).toLowerCase() !== 'bearer ') return undefined
  const token = h.slice(7).trim()
  return token === '' ? undefined : token
}

/**
 * Which configured internal API key was presented, or undefined. The SHA-256 of the presented
 * key is compared in constant time against every key's (equal lengths, no early exit), so
 * timing tells neither the length nor which key matched.
 */
export function createInternalKeyMatcher (keys: ReadonlyArray<{ name: string, secret: string }>): (presented: string | undefined) => string | undefined {
  const hashed = keys.map((k) => ({ name: k.name, hash: hash('sha256', k.secret, 'buffer') }))
  return (presented) => {
    const h = hash('sha256', presented ?? '', 'buffer')
    let name: string | undefined
    for (const k of hashed) if (timingSafeEqual(k.hash, h) && name === undefined) name = k.name
    return name
  }
}

/** The session of a route with `auth: 'session'`. */
export function sessionOf (request: FastifyRequest): Authenticated {
  if (request.session === undefined) throw new Error(`${request.routeOptions.url ?? 'this route'} reads a session without auth: 'session'`)
  return request.session
}

export default fp(async function auth (app: FastifyInstance, opts: { config: Config }) {
  const internalKey = createInternalKeyMatcher(opts.config.internalApiKeys)
  const sessions = app.services.sessions
  const max = opts.config.rateLimit.auth
  const failures = max === 0
    ? undefined
    : app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: (request) => `authfail:${normalizeIP(request.ip)}` })
  app.decorateRequest('session', undefined)
  app.decorateRequest('caller', undefined)

  /** A refused credential: 401, or 429 once this address has failed too often. */
  const refused = (request: FastifyRequest, err: unknown, done: (err: Error) => void): void => {
    if (failures === undefined || !(err instanceof AppError) || err.code !== 'access_token_invalid') {
      done(err as Error)
      return
    }
    failures(request).then((r) => {
      done(!r.isAllowed && r.isExceeded ? Errors.tooManyRefusals(Math.max(1, r.ttlInSeconds)) : err)
    }, () => { done(err) })
  }

  app.addHook('onRequest', (request, _reply, done) => {
    const kind = request.routeOptions.config.auth
    if (kind === 'session') {
      sessions.authenticate(bearer(request)).then((session) => { request.session = session; done() }, (err: unknown) => { refused(request, err, done) })
    } else if (kind === 'internal') {
      const caller = internalKey(bearer(request))
      if (caller === undefined) {
        refused(request, Errors.internalKeyRequired(), done)
        return
      }
      request.caller = caller
      request.log = request.log.child({ caller })
      done()
    } else {
      done()
    }
  })
}, { name: 'auth', dependencies: ['services', 'rate-limit'] })

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The credentials the route needs (plugins/auth.ts); none when absent. */
    auth?: AuthKind
  }
  interface FastifyRequest {
    /** The live session of a route with `auth: 'session'`. */
    session: Authenticated | undefined
    /** The internal caller's key name on a route with `auth: 'internal'`. */
    caller: string | undefined
  }
}
