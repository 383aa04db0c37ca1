import t from 'tap'
import { build } from './helper.js'
import { LOG_ID_PATTERN, newLogId } from '../src/envelope.js'
import { toAppError } from '../src/plugins/error-handler.js'

t.test('log_id: 14 digits of UTC time then 20 upper-case hex, unique', async (t) => {
  const at = Date.UTC(2026, 10, 24, 9, 30, 11)
  const id = newLogId(at)
  t.match(id, LOG_ID_PATTERN)
  t.equal(id.slice(0, 14), '20261124093011')
  const many = new Set(Array.from({ length: 5000 }, () => newLogId()))
  t.equal(many.size, 5000)
})

t.test('unknown routes and wrong methods answer the 404 envelope', async (t) => {
  const ctx = await build(t)
  for (const [method, url] of [['GET', '/nope'], ['DELETE', '/me'], ['PUT', '/auth/session'], ['GET', '/auth/session'], ['POST', '/scopes']] as const) {
    const res = await ctx.app.inject({ method, url })
    t.equal(res.statusCode, 404, `${method} ${url}`)
    const body = res.json()
    t.equal(body.error.code, 'not_found')
    t.same(body.data, {})
    t.match(body.error.log_id, LOG_ID_PATTERN)
    t.equal(res.headers['x-log-id'], body.error.log_id)
  }
})

t.test('a crash answers 500 internal_error without its message or stack', async (t) => {
  const e = toAppError(new Error('secret detail at /srv/app.js:12'))
  t.equal(e.code, 'internal_error')
  t.equal(e.statusCode, 500)
  t.notMatch(e.message, /secret detail/)
})

t.test('success answers carry the envelope and x-log-id', async (t) => {
  const ctx = await build(t)
  const res = await ctx.app.inject({ url: '/scopes' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().error.code, 'ok')
  t.equal(res.json().error.message, '')
  t.equal(res.headers['x-log-id'], res.json().error.log_id)
  const line = ctx.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request' && l.route === '/scopes')
  t.equal(line?.log_id, res.json().error.log_id, 'the log_id is the request id in the logs')
  t.equal(line?.status, 200)
})
