import pino from 'pino'
import type { FastifyServerOptions } from 'fastify'

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
