import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import type { ConnectionError, FastifyBaseLogger, FastifyInstance } from 'fastify'
import { fail, newLogId } from '../envelope.js'
import { Errors, type AppError } from '../errors.js'

// The HTTP edge (docs/security.md): security headers on every answer, and the envelope for
// what Node refuses before Fastify routes it (no framework-default body ever reaches a caller).
//
// Headers (helmet, OWASP ASVS V14.4, OWASP REST Security cheat sheet): every answer gets a CSP
// that allows nothing (an answer opened as a page can run, load or frame nothing), nosniff,
// no-referrer (the auth redirects carry codes: none leaves in a Referer), X-Frame-Options
// DENY, HSTS. Helmet's headers that only old browsers or documents' features read are left
// out (X-XSS-Protection, X-Download-Options, X-DNS-Prefetch-Control, X-Permitted-Cross-Domain-
// Policies, Origin-Agent-Cluster, Cross-Origin-Opener-Policy), and so is Cross-Origin-Resource-
// Policy: a cross-origin page that embeds an answer sends no bearer token, so all it can get
// is a 401 envelope (and every header is paid on every answer: bench/). The HTML routes set
// their own CSP, which replaces this one (a later reply.header wins): /docs by
// @fastify/swagger-ui's `staticCSP`, /demo/ in its handler. No CORS plugin: no answer carries
// Access-Control-Allow-Origin, and a preflight is a 404.
//
// helmet decides the headers once, at start-up: they do not depend on the request. (The
// @fastify/helmet plugin builds helmet's middleware again on every request, which was the
// heaviest library in /me's CPU profile; bench/profile.ts.)

const HELMET: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'base-uri': ["'none'"], 'form-action': ["'none'"], 'frame-ancestors': ["'none'"] } },
  xFrameOptions: { action: 'deny' },
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false,
  xXssProtection: false,
  xDownloadOptions: false,
  xDnsPrefetchControl: false,
  xPermittedCrossDomainPolicies: false,
  originAgentCluster: false
}

/** The headers helmet sets for `options`, by running its middleware once against a recorder. */
export function helmetHeaders (options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader (name: string, value: string | number) { headers[name.toLowerCase()] = String(value) },
    removeHeader (name: string) { delete headers[name.toLowerCase()] }
  }
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => { if (err !== undefined && err !== null) throw err })
  return headers
}

export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze(helmetHeaders(HELMET))

/** A complete HTTP/1.1 answer carrying the envelope, for sockets Fastify never saw. */
function rawAnswer (err: AppError, logId: string): { head: Record<string, string>, body: string } {
  const body = JSON.stringify(fail(err.code, err.message, logId))
  return {
    head: {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'x-log-id': logId,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      connection: 'close'
    },
    body
  }
}

function writeToSocket (socket: Duplex, err: AppError, logId: string): void {
  const { head, body } = rawAnswer(err, logId)
  const lines = Object.entries(head).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  socket.end(`HTTP/1.1 ${err.statusCode} ${STATUS_CODES[err.statusCode] ?? ''}\r\n${lines}\r\n${body}`)
}

function logRefusal (log: FastifyBaseLogger, logId: string, status: number, reason: string): void {
  // Only the reason: the raw packet Node keeps on the error may hold an Authorization header.
  log.info({ log_id: logId, status, reason }, 'request refused before routing')
}

/**
 * Fastify's `clientErrorHandler`: Node's parser refused the request (malformed request line or
 * header, conflicting lengths, headers over the size limit, too slow). Answers the envelope.
 */
export function clientErrorHandler (this: FastifyInstance, err: ConnectionError, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  // Never write into the middle of an answer already under way on this connection (as Node does).
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage
  const answer = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? Errors.requestTimeout() : err.code === 'HPE_HEADER_OVERFLOW' ? Errors.headersTooLarge() : Errors.malformedRequest()
  const logId = newLogId()
  logRefusal(this.log, logId, answer.statusCode, String(err.code ?? 'client_error'))
  if (socket.writable && inFlight?.headersSent !== true) writeToSocket(socket, answer, logId)
  socket.destroy()
}

export default fp(async function security (app: FastifyInstance) {
  // The first onRequest hook: every answer, an error included, carries these and its log_id.
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(API_HEADERS).header('x-log-id', request.id)
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400. Node would answer it with an
    // empty body (src/app.ts turns requireHostHeader off so it reaches this hook instead).
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      done(Errors.hostRequired())
      return
    }
    done()
  })

  // Secrets (session tokens, handoff codes) travel in JSON answers: none is ever stored by a
  // cache unless its route says otherwise (/me: private, no-cache; /docs assets).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control') && String(reply.getHeader('content-type') ?? '').startsWith('application/json')) reply.header('cache-control', 'no-store')
    done(null, payload)
  })

  // What Node would answer by itself, with an empty body: an unknown `Expect` (417) and CONNECT
  // (the socket just closed). Both get the envelope.
  app.server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const logId = newLogId()
    logRefusal(app.log, logId, 417, 'expectation')
    const answer = Errors.expectationFailed()
    const { head, body } = rawAnswer(answer, logId)
    res.writeHead(answer.statusCode, head).end(body)
  })
  app.server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const logId = newLogId()
    logRefusal(app.log, logId, 404, 'connect')
    socket.on('error', () => {})
    writeToSocket(socket, Errors.noSuchRoute('CONNECT', String(req.url)), logId)
  })
}, { name: 'security', dependencies: ['error-handler'] })
