import pino from 'pino'
import type { FastifyServerOptions } from 'fastify'

// pino options: JSON lines; secrets redacted wherever they could appear (paths are fixed at
// start-up, pino docs/redaction.md). Request lines log the route and the path, never the
// query string (it carries codes and states on the auth routes).

export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["set-cookie"]',
  'headers.authorization', 'headers.cookie',
  '*.authorization', '*.cookie', '*.code', '*.code_verifier', '*.token', '*.state',
  '*.access_token', '*.refresh_token', '*.client_secret', '*.secret', '*.password',
  '*.accessToken', '*.refreshToken', '*.clientSecret', '*.verifier'
]

export function loggerOptions (level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    // Asynchronous writes to stdout: lines written while a write is in flight go out together,
    // so one log line per request does not cost one blocking syscall each (/me's CPU profile).
    // pino flushes what is pending when the process exits.
    stream: pino.destination({ dest: 1, sync: false }),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // The default request serializer logs the URL with its query: log the path only.
      req: (req: { method?: string, url?: string }) => ({ method: req.method, path: (req.url ?? '').split('?')[0] })
    }
  }
}
