import { Writable } from 'node:stream'
import t from 'tap'
import pino from 'pino'
import { loggerOptions } from '../../src/logger.js'

// The production logger's second line of defence: a secret that some future change hands to
// the logger by mistake is censored where it could plausibly sit (a top-level key, headers,
// a body, a query), errors are logged through an allow-list of their fields, and the fields
// every line needs (an error code, a log_id, a status) are left alone.

function capture (): { log: pino.Logger, lines: () => Array<Record<string, unknown>> } {
  const out: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _enc, cb) { out.push(chunk.toString()); cb() } })
  const { level, redact, serializers } = loggerOptions('trace') as pino.LoggerOptions
  const log = pino({ level, redact, serializers }, stream)
  return { log, lines: () => out.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) }
}

const SECRET = 'do-not-log-0123456789'

t.test('secrets are censored at the top level and inside headers, bodies and queries', async (t) => {
  const { log, lines } = capture()
  log.info({ authorization: `Bearer ${SECRET}`, token: SECRET, access_token: SECRET, refresh_token: SECRET, client_secret: SECRET, code_verifier: SECRET, 'set-cookie': SECRET }, 'top level')
  log.info({ req: { headers: { authorization: SECRET, cookie: SECRET } }, headers: { authorization: SECRET, 'set-cookie': SECRET } }, 'headers')
  log.info({ body: { code: SECRET, code_verifier: SECRET, token: SECRET, refresh_token: SECRET }, query: { code: SECRET, state: SECRET } }, 'values')
  const text = JSON.stringify(lines())
  t.notOk(text.includes(SECRET), 'no secret in the output')
  t.equal(lines()[0]?.token, '[redacted]')
  t.same(lines()[2]?.query, { code: '[redacted]', state: '[redacted]' })
})

t.test('the fields every line needs are left as they are', async (t) => {
  const { log, lines } = capture()
  log.info({ code: 'invalid_params', log_id: '2026112500000000abcd', status: 400, method: 'GET', route: '/me', path: '/me', ms: 1.25 }, 'request')
  t.match(lines()[0], { code: 'invalid_params', log_id: '2026112500000000abcd', status: 400, route: '/me', ms: 1.25, msg: 'request' })
})

t.test('an error is logged through an allow-list of its fields, causes included', async (t) => {
  const { log, lines } = capture()
  const cause = Object.assign(new Error('connection reset'), { code: 'ECONNRESET', command: { name: 'set', args: ['k', SECRET] } })
  const err = Object.assign(new Error('session store get_session failed', { cause }), { operation: 'get_session', config: { headers: { authorization: SECRET } } })
  log.error({ err }, 'failed')
  const line = lines()[0] as { err: Record<string, unknown> }
  t.notOk(JSON.stringify(line).includes(SECRET), 'no property outside the allow-list is logged')
  t.match(line.err, { type: 'Error', message: 'session store get_session failed', operation: 'get_session', cause: { message: 'connection reset', code: 'ECONNRESET' } })
  t.type(line.err.stack, 'string')
  log.error({ err: { token: SECRET } }, 'not an error')
  t.match((lines()[1] as { err: unknown }).err, { type: 'object', message: '[non-error object]' })
})
