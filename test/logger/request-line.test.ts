import { Writable } from 'node:stream'
import t from 'tap'
import pino from 'pino'
import { auth, build, login } from '../helper.js'
import { loggerOptions } from '../../src/logger.js'

// Each answered request leaves one JSON line, written by app.ts's onResponse hook through
// request.log with the service's logger options: log_id (and the internal caller's key name)
// from request.log's bindings, the method, the route pattern, the path without its query, the
// status, the duration, and TikTok's log_id when TikTok gave one. Nothing else, and nothing
// below the logger's level.

const INTERNAL_KEY = 'internal-secret-0123456789abcdef'
const BASE = ['level', 'time', 'pid', 'hostname']

function capture (level: string): { logger: pino.Logger, lines: () => Array<Record<string, unknown>> } {
  const out: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _enc, cb) { out.push(chunk.toString()); cb() } })
  const { redact, serializers } = loggerOptions(level) as pino.LoggerOptions
  const logger = pino({ level, redact, serializers }, stream)
  return { logger, lines: () => out.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) }
}

t.test('one line per request, with exactly the request\'s fields', async (t) => {
  const { logger, lines } = capture('info')
  const ctx = await build(t, { app: { loggerInstance: logger } })
  const { token, session } = await login(ctx)
  const requestLines = (): Array<Record<string, unknown>> => lines().filter((l) => l.msg === 'request')
  const lineOf = (logId: unknown): Record<string, unknown> => {
    const found = requestLines().filter((l) => l.log_id === logId)
    t.equal(found.length, 1, `one line for ${String(logId)}`)
    return found[0] ?? {}
  }

  const me = await ctx.app.inject({ url: '/me?fields=display_name', headers: auth(token) })
  t.equal(me.statusCode, 200)
  const meLine = lineOf(me.headers['x-log-id'])
  t.same(Object.keys(meLine).sort(), [...BASE, 'log_id', 'method', 'route', 'path', 'status', 'ms', 'tiktok_log_id', 'msg'].sort())
  t.match(meLine, { level: 30, method: 'GET', route: '/me', path: '/me', status: 200, tiktok_log_id: me.headers['x-tiktok-log-id'], msg: 'request' })
  t.type(meLine.ms, 'number')
  t.type(meLine.time, 'number')

  const internal = await ctx.app.inject({ url: `/internal/users/${encodeURIComponent(session.open_id)}?fields=open_id`, headers: auth(INTERNAL_KEY) })
  t.equal(internal.statusCode, 200)
  t.match(lineOf(internal.headers['x-log-id']), { caller: 'reports', route: '/internal/users/:open_id', path: `/internal/users/${encodeURIComponent(session.open_id)}`, status: 200 })

  // An unknown path: no route, no TikTok call (so no tiktok_log_id), its query left out.
  const odd = '/nope/%22quoted%22/%E0%B9%84?code=secret-code-value'
  const unmatched = await ctx.app.inject({ method: 'POST', url: odd })
  t.equal(unmatched.statusCode, 404)
  const unmatchedLine = lineOf(unmatched.headers['x-log-id'])
  t.same(Object.keys(unmatchedLine).sort(), [...BASE, 'log_id', 'method', 'route', 'path', 'status', 'ms', 'msg'].sort(), 'no caller, no tiktok_log_id')
  t.match(unmatchedLine, { method: 'POST', route: 'unmatched', path: '/nope/%22quoted%22/%E0%B9%84', status: 404 })

  t.equal(requestLines().length, 3 + 3, 'the login\'s three requests and these three, one line each')
  t.notOk(lines().some((l) => JSON.stringify(l).includes('secret-code-value')), 'no query anywhere')
})

t.test('no request line below the logger\'s level', async (t) => {
  const { logger, lines } = capture('warn')
  const ctx = await build(t, { app: { loggerInstance: logger } })
  t.equal((await ctx.app.inject({ url: '/health/live' })).statusCode, 200)
  t.same(lines().filter((l) => l.msg === 'request'), [])
})
