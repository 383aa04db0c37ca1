import { Writable } from 'node:stream'
import t from 'tap'
import pino from 'pino'
import { lazyChildLogger, loggerOptions, requestLineWriter, type RequestLine } from '../../src/logger.js'

// The request line is built by hand and written to pino's own destination (src/logger.ts):
// it must be exactly the line pino would write for the same fields, respect the level, and
// fall back to pino itself for a logger whose lines it cannot reproduce. request.log's child
// logger is made only when a request logs something else.

function capture (options: pino.LoggerOptions = {}): { log: pino.Logger, lines: () => Array<Record<string, unknown>>, raw: () => string } {
  const out: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _enc, cb) { out.push(chunk.toString()); cb() } })
  const { level, redact, serializers } = loggerOptions('info') as pino.LoggerOptions
  const log = pino({ level, redact, serializers, ...options }, stream)
  const raw = (): string => out.join('')
  return { log, raw, lines: () => raw().trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) }
}

const LINES: RequestLine[] = [
  { logId: '20261125000000ABCDEF0123456789ABCDEF', caller: undefined, method: 'GET', route: '/me', path: '/me', status: 200, ms: 12.34, tiktokLogId: '202611250000001234567890ABCDEF' },
  { logId: '20261125000000ABCDEF0123456789ABCDEF', caller: 'reports', method: 'GET', route: '/internal/users/:open_id', path: '/internal/users/x', status: 200, ms: 3, tiktokLogId: undefined },
  { logId: '20261125000000ABCDEF0123456789ABCDEF', caller: undefined, method: 'POST', route: 'unmatched', path: '/nope/"quoted"\\back\u2028ไทย\n', status: 404, ms: 0.5, tiktokLogId: undefined }
]

function viaPino (log: pino.Logger, r: RequestLine): void {
  log.info({ log_id: r.logId, ...(r.caller === undefined ? {} : { caller: r.caller }), method: r.method, route: r.route, path: r.path, status: r.status, ms: r.ms, ...(r.tiktokLogId === undefined ? {} : { tiktok_log_id: r.tiktokLogId }) }, 'request')
}

t.test('the line is the one pino writes for the same fields, byte for byte but the time', async (t) => {
  for (const r of LINES) {
    const fast = capture()
    const slow = capture()
    // Written directly, not through pino's own info().
    fast.log.info = (() => { t.fail('pino.info was called') }) as pino.LogFn
    requestLineWriter(fast.log)(r)
    viaPino(slow.log, r)
    const strip = (s: string): string => s.replace(/"time":\d+/, '"time":0')
    t.equal(strip(fast.raw()), strip(slow.raw()), `${r.method} ${r.route}`)
    t.equal(fast.lines().length, 1, 'one JSON line')
    t.equal(fast.lines()[0]?.path, r.path, 'the path survives escaping')
    t.type(fast.lines()[0]?.time, 'number')
  }
})

t.test('the line respects the logger level', async (t) => {
  const { log, raw } = capture()
  const write = requestLineWriter(log)
  log.level = 'warn'
  write(LINES[0] as RequestLine)
  t.equal(raw(), '', 'nothing below the level')
  log.level = 'debug'
  write(LINES[0] as RequestLine)
  t.match(raw(), /"msg":"request"/)
})

t.test('a logger whose lines it cannot reproduce gets pino itself', async (t) => {
  const { log, lines } = capture({ mixin: () => ({ region: 'eu' }) })
  requestLineWriter(log)(LINES[0] as RequestLine)
  t.match(lines()[0], { region: 'eu', log_id: LINES[0]?.logId, route: '/me', status: 200, tiktok_log_id: LINES[0]?.tiktokLogId, msg: 'request' })
})

t.test('request.log makes its child logger only when used, once, with the bindings', async (t) => {
  const { log, lines } = capture()
  let children = 0
  const parent = Object.assign(Object.create(log) as pino.Logger, { child: (b: pino.Bindings, o?: pino.ChildLoggerOptions) => { children++; return log.child(b, o) } })
  const lazy = lazyChildLogger(parent, { log_id: 'abc' }, {})
  t.equal(children, 0, 'not made up front')
  lazy.warn({ status: 503 }, 'first')
  lazy.info('second %s', 'formatted')
  t.equal(children, 1, 'made once')
  t.equal(lazy.level, 'info')
  t.match(lines(), [{ log_id: 'abc', status: 503, msg: 'first', level: 40 }, { log_id: 'abc', msg: 'second formatted' }])
  lazy.debug('below the level')
  t.equal(lines().length, 2)
})
