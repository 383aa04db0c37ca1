import t from 'tap'
import { auth, build, login } from '../helper.js'
import { startRedisServer } from '../support/redis-server.js'

// GET /metrics after real traffic (logins, /me, a refresh, an upstream fault, a logout, an
// unknown URL carrying secrets, a store outage), parsed as Prometheus text and checked
// against what the emulator and the requests themselves counted.

interface Sample { name: string, labels: Record<string, string>, value: number }

function parse (text: string): { samples: Sample[], types: Map<string, string> } {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type !== null) { types.set(type[1] as string, type[2] as string); continue }
    if (line.startsWith('# HELP ')) continue
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`not a Prometheus sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) })
  }
  return { samples, types }
}

const INTERNAL_KEY = 'internal-secret-0123456789abcdef'

t.test('the documented series, with counts that match the traffic', async (t) => {
  const redis = await startRedisServer(t)
  const ctx = await build(t, { env: { REDIS_URL: redis.url } })
  const { app, emulator } = ctx
  const { token, session } = await login(ctx)

  const meOk = 3
  for (let i = 0; i < meOk; i++) t.equal((await app.inject({ url: '/me', headers: auth(token) })).statusCode, 200)
  t.equal((await app.inject({ url: '/me?fields=nope', headers: auth(token) })).statusCode, 400)
  const probe = `/nope/${token}?code=secret-code-value`
  t.equal((await app.inject({ url: probe })).statusCode, 404)
  const internal = await app.inject({ url: `/internal/users/${encodeURIComponent(session.open_id)}`, headers: auth(INTERNAL_KEY) })
  t.equal(internal.statusCode, 200)
  // TikTok refuses the access token before its recorded expiry: one refresh, one retry.
  emulator.controls.expireAccessTokens()
  t.equal((await app.inject({ url: '/me', headers: auth(token) })).statusCode, 200)
  emulator.controls.forceNext('user_info', { status: 500, raw: 'boom' })
  t.equal((await app.inject({ url: '/me', headers: auth(token) })).statusCode, 502)
  t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: auth(token) })).statusCode, 200)
  await redis.stop()
  t.equal((await app.inject({ url: '/me', headers: auth(token) })).statusCode, 503)

  const res = await app.inject({ url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const { samples, types } = parse(res.body)
  const value = (name: string, labels: Record<string, string>): number =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0)

  t.same(Object.fromEntries(['http_requests_total', 'http_request_duration_seconds', 'tiktok_requests_total', 'tiktok_request_duration_seconds', 'tiktok_token_refreshes_total', 'session_store_errors_total'].map((n) => [n, types.get(n)])), {
    http_requests_total: 'counter',
    http_request_duration_seconds: 'histogram',
    tiktok_requests_total: 'counter',
    tiktok_request_duration_seconds: 'histogram',
    tiktok_token_refreshes_total: 'counter',
    session_store_errors_total: 'counter'
  })
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
    t.ok(samples.some((s) => s.name === name), `default process metric ${name}`)
  }

  // HTTP: exact counts per route pattern and status; histogram counts agree.
  const me200 = { method: 'GET', route: '/me', status_code: '200' }
  t.equal(value('http_requests_total', me200), meOk + 1)
  t.equal(value('http_request_duration_seconds_count', me200), meOk + 1)
  t.equal(value('http_request_duration_seconds_bucket', { ...me200, le: '+Inf' }), meOk + 1)
  t.equal(value('http_requests_total', { route: '/me', status_code: '400' }), 1)
  t.equal(value('http_requests_total', { route: '/me', status_code: '502' }), 1)
  t.equal(value('http_requests_total', { route: '/me', status_code: '503' }), 1)
  t.equal(value('http_requests_total', { route: '/internal/users/:open_id', status_code: '200' }), 1)
  t.equal(value('http_requests_total', { method: 'POST', route: '/auth/session', status_code: '201' }), 1)
  t.equal(value('http_requests_total', { route: 'unmatched', status_code: '404' }), 1)
  const http = samples.filter((s) => s.name === 'http_requests_total')
  t.same([...new Set(http.map((s) => s.labels.route))].sort(), [
    '/auth/logout', '/auth/session', '/auth/tiktok/callback', '/auth/tiktok/login', '/internal/users/:open_id', '/me', 'unmatched'
  ], 'route labels are route patterns')
  t.ok(http.every((s) => /^[1-5]\d\d$/.test(s.labels.status_code ?? '')), 'status codes are not grouped')

  // Upstream: per endpoint and outcome, matching what the emulator received.
  const calls = emulator.controls.counts
  t.equal(value('tiktok_requests_total', { endpoint: 'token' }), calls.token)
  t.equal(calls.token, 2, 'the code exchange and one refresh')
  t.equal(value('tiktok_requests_total', { endpoint: 'token', outcome: 'ok' }), 2)
  t.equal(value('tiktok_requests_total', { endpoint: 'user_info' }), calls.user_info)
  t.equal(value('tiktok_requests_total', { endpoint: 'user_info', outcome: 'ok' }), meOk + 2)
  t.equal(value('tiktok_requests_total', { endpoint: 'user_info', outcome: 'refused' }), 1)
  t.equal(value('tiktok_requests_total', { endpoint: 'user_info', outcome: 'error' }), 1)
  t.equal(value('tiktok_requests_total', { endpoint: 'revoke', outcome: 'ok' }), calls.revoke)
  t.equal(calls.revoke, 1)
  for (const endpoint of ['token', 'user_info', 'revoke']) {
    t.equal(value('tiktok_request_duration_seconds_count', { endpoint }), value('tiktok_requests_total', { endpoint }), `${endpoint} latency observed per call`)
  }
  t.equal(value('tiktok_token_refreshes_total', { outcome: 'ok' }), 1)
  t.equal(calls.token_refresh, 1)
  t.equal(value('session_store_errors_total', { operation: 'get_session' }), 1)

  // Nothing raw: no token, open_id, query or unknown path in any label.
  for (const secret of [token, session.open_id, 'secret-code-value', '/nope/', INTERNAL_KEY]) {
    t.notOk(res.body.includes(secret), 'no raw URL, token or id in the metrics')
  }
})
