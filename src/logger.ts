import pino from 'pino'
import type { Bindings, ChildLoggerOptions } from 'pino'
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'

// pino options: JSON lines. The code never hands a secret to the logger (test/security/
// secrets.test.ts runs every flow with an unredacted logger and finds none); redaction is the
// second line of defence, for a secret a future change might log by mistake.
//
// No path starts with a wildcard: with one, pino runs every value of every line (the request
// line's too) through a cloning redactor, which was the costliest part of /me's log line
// (bench/profile.ts). Instead, the names secrets go by are censored as top-level keys (a
// lookup by key, free for lines without them) and at the nested places they could appear,
// and errors are logged through an allow-list of their fields, never all their properties.

const SECRET_NAMES = [
  'authorization', 'cookie', 'set-cookie', 'token', 'access_token', 'refresh_token', 'client_secret',
  'code_verifier', 'secret', 'password', 'accessToken', 'refreshToken', 'clientSecret', 'verifier'
]
// `code` and `state` are censored only where they are request values: a top-level `code` is
// the envelope's error code, logged on every refusal.
const CONTAINERS = ['req.headers', 'headers', 'body', 'query', 'params', 'form']

const path = (parent: string, name: string): string => /^[A-Za-z_$][\w$]*$/.test(name) ? `${parent}.${name}` : `${parent}["${name}"]`

/** The longest a log line waits in the batch before it is written. */
export const LOG_FLUSH_MS = 200

export const REDACT_PATHS = [
  ...SECRET_NAMES.map((n) => path('', n).replace(/^\./, '')),
  ...CONTAINERS.flatMap((c) => [...SECRET_NAMES, 'code', 'state'].map((n) => path(c, n)))
]

interface LoggedError { [key: string]: unknown, type: string, message: string, stack: string }

/** An error as a log line holds it: its type, message, stack, code and cause, nothing else. */
export function serializeError (err: unknown, depth = 0): LoggedError {
  if (!(err instanceof Error)) {
    // Not an Error: its properties are unknown, so none is logged.
    return { type: typeof err, message: typeof err === 'object' && err !== null ? '[non-error object]' : String(err), stack: '' }
  }
  const e = err as Error & { code?: unknown, operation?: unknown }
  return {
    type: e.name,
    message: e.message,
    stack: e.stack ?? '',
    ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: e.code } : {}),
    ...(typeof e.operation === 'string' ? { operation: e.operation } : {}),
    ...(e.cause === undefined || depth >= 3 ? {} : { cause: serializeError(e.cause, depth + 1) })
  }
}

export function loggerOptions (level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    // pino's own destination, asynchronous and batched: lines are written 4 KiB at a time, and
    // at least every LOG_FLUSH_MS, so a request's line costs no syscall of its own, and a stdout
    // that stops draining never blocks the event loop. pino writes what is pending
    // synchronously when the process exits (a crash included: its on-exit hook, registered for
    // every asynchronous destination it builds); only a SIGKILL loses the last LOG_FLUSH_MS.
    stream: pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: LOG_FLUSH_MS }),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // The default request serializer logs the URL with its query: log the path only.
      req: (req: { method?: string, url?: string }) => ({ method: req.method, path: (req.url ?? '').split('?')[0] }),
      err: (err: unknown) => serializeError(err)
    }
  }
}

/** The fields of the one line each answered request leaves (app.ts). */
export interface RequestLine {
  logId: string
  /** The internal caller's key name, as request.log's bindings have it. */
  caller: string | undefined
  method: string
  route: string
  path: string
  status: number
  ms: number
  tiktokLogId: string | undefined
}

interface PinoInternals {
  stream: { write (line: string): unknown }
  chindings: string
  time: () => string
  levelPrefix: string
}

/** What a pino logger needs to have for a line to be written as pino would write it. */
function pinoInternals (logger: FastifyBaseLogger): PinoInternals | undefined {
  const l = logger as unknown as Record<symbol, unknown>
  const s = pino.symbols
  const stream = l[s.streamSym] as PinoInternals['stream'] & Record<symbol, unknown> | undefined
  const lsCache = l[s.lsCacheSym] as Record<number, string> | undefined
  const chindings = l[s.chindingsSym]
  const time = l[s.timeSym]
  // Anything that changes a line beyond level, time and bindings: pino writes it itself.
  const plain = l[s.mixinSym] === undefined && l[s.messageKeySym] === 'msg' &&
    stream?.[s.needsMetadataGsym] !== true && typeof (l[s.hooksSym] as { streamWrite?: unknown } | undefined)?.streamWrite !== 'function' &&
    typeof (l[s.formattersSym] as { log?: unknown } | undefined)?.log !== 'function'
  if (!plain || typeof stream?.write !== 'function' || typeof chindings !== 'string' || typeof time !== 'function' || typeof lsCache?.[30] !== 'string') return undefined
  return { stream, chindings, time: time as () => string, levelPrefix: lsCache[30] }
}

/**
 * The writer of the request line: the line pino writes for
 * `logger.info({ log_id, caller, method, route, path, status, ms, tiktok_log_id }, 'request')`, built
 * directly and written to the logger's own destination (pino.symbols exist for such
 * integrations). One line per request, so no child logger and no generic serialization per
 * request: they were the costliest part of /me's logging (bench/profile.ts). Every value is a
 * fixed field of the request, strings JSON-escaped; none can hold a secret (the path is logged
 * without its query). A logger that is not a plain pino logger gets `logger.info` instead.
 */
export function requestLineWriter (logger: FastifyBaseLogger): (line: RequestLine) => void {
  const p = pinoInternals(logger)
  if (p === undefined) {
    return (r) => {
      logger.info({ log_id: r.logId, ...(r.caller === undefined ? {} : { caller: r.caller }), method: r.method, route: r.route, path: r.path, status: r.status, ms: r.ms, ...(r.tiktokLogId === undefined ? {} : { tiktok_log_id: r.tiktokLogId }) }, 'request')
    }
  }
  const q = JSON.stringify
  return (r) => {
    if (pino.levels.values[logger.level] as number > 30) return
    const caller = r.caller === undefined ? '' : `,"caller":${q(r.caller)}`
    const tiktok = r.tiktokLogId === undefined ? '' : `,"tiktok_log_id":${q(r.tiktokLogId)}`
    p.stream.write(`${p.levelPrefix}${p.time()}${p.chindings},"log_id":${q(r.logId)}${caller},"method":${q(r.method)},"route":${q(r.route)},"path":${q(r.path)},"status":${r.status},"ms":${r.ms}${tiktok},"msg":"request"}\n`)
  }
}

/**
 * request.log (Fastify's childLoggerFactory, lazyChildLogger): the pino child with the
 * request's log_id, made the first time the request logs anything through it. Most requests
 * log only their request line (requestLineWriter), so most never make one. One object per
 * request; its methods forward their arguments unchanged (pino's overloads).
 */
class LazyChild {
  #child: FastifyBaseLogger | undefined
  constructor (private readonly parent: FastifyBaseLogger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

  private get real (): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options))
  }

  get level (): string { return this.real.level }
  set level (level: string) { this.real.level = level }
  fatal (...args: unknown[]): void { (this.real.fatal as (...a: unknown[]) => void)(...args) }
  error (...args: unknown[]): void { (this.real.error as (...a: unknown[]) => void)(...args) }
  warn (...args: unknown[]): void { (this.real.warn as (...a: unknown[]) => void)(...args) }
  info (...args: unknown[]): void { (this.real.info as (...a: unknown[]) => void)(...args) }
  debug (...args: unknown[]): void { (this.real.debug as (...a: unknown[]) => void)(...args) }
  trace (...args: unknown[]): void { (this.real.trace as (...a: unknown[]) => void)(...args) }
  silent (...args: unknown[]): void { (this.real.silent as (...a: unknown[]) => void)(...args) }
  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger { return this.real.child(bindings, options) }
}

/** Fastify's childLoggerFactory: see LazyChild. */
export function lazyChildLogger (parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChild(parent, bindings, options) as unknown as FastifyBaseLogger
}
