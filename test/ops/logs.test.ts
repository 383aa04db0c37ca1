import { randomBytes } from 'node:crypto'
import t from 'tap'
import { APP_REDIRECT, NATIVE_REDIRECT, auth, pkcePair, testEnv } from '../helper.js'
import { startEmulator } from '../../src/emulator/index.js'
import { LOG_ID_PATTERN } from '../../src/envelope.js'
import { cleanPrefix, httpLogin, jsonLines, listeningUrl, spawnServer } from './fixtures/server-process.js'

// The real process's log output (pino JSON on stdout, at debug level) after a tour of the API
// in which every secret travels somewhere (headers, cookies, query strings, bodies, TikTok's
// answers): one line per request with its log_id, route, status and duration (and TikTok's
// log_id when TikTok answered), and not one secret anywhere in the output.

// Spawns processes: more than tap's default per-file budget on a busy machine.
t.setTimeout(300_000)

interface Seen { logId: string, status: number, route: string, tiktokLogId: string | null }

t.test('one JSON line per request; no secret anywhere in the output', async (t) => {
  const clientSecret = `client-secret-${randomBytes(8).toString('hex')}`
  const internalSecret = `internal-secret-${randomBytes(8).toString('hex')}`
  const cookieSecret = `cookie-secret-${randomBytes(8).toString('hex')}`
  const emulator = await startEmulator({ clientSecret })
  t.teardown(() => emulator.close())
  const env = testEnv(emulator.url, { TIKTOK_CLIENT_SECRET: clientSecret, INTERNAL_API_KEYS: `reports:${internalSecret}`, LOG_LEVEL: 'debug' })
  cleanPrefix(t, env.REDIS_KEY_PREFIX as string)
  const server = spawnServer(t, { command: process.execPath, args: ['--import', 'tsx', 'src/server.ts'], env })
  const base = await listeningUrl(server)

  const seen: Seen[] = []
  // Every call of this test goes through here, so each answer can be matched to its log line.
  const call = (route: string): typeof fetch => async (input, init) => {
    const res = await fetch(input, { redirect: 'manual', ...init })
    seen.push({ logId: res.headers.get('x-log-id') ?? '', status: res.status, route, tiktokLogId: res.headers.get('x-tiktok-log-id') })
    return res
  }
  const routeOf = (url: string | URL | Request): string => {
    const path = new URL(String(url)).pathname
    return path.startsWith('/internal/users/') ? '/internal/users/:open_id' : path
  }
  const traced: typeof fetch = async (input, init) => await call(routeOf(input as string))(input, init)

  const login = await httpLogin(base, emulator, traced)
  const headers = { ...auth(login.token), cookie: `sid=${cookieSecret}` }
  const me = await traced(`${base}/me?fields=display_name,follower_count`, { headers })
  t.equal(me.status, 200)
  emulator.controls.expireAccessTokens()
  t.equal((await traced(`${base}/me`, { headers })).status, 200, 'after a refresh')
  const internal = { authorization: `Bearer ${internalSecret}`, 'content-type': 'application/json' }
  t.equal((await traced(`${base}/internal/introspect`, { method: 'POST', headers: internal, body: JSON.stringify({ token: login.token }) })).status, 200)
  t.equal((await traced(`${base}/internal/users/${login.openId}`, { headers: internal })).status, 200)
  // Failures carry secrets too: a replayed callback, a native exchange TikTok refuses.
  const fakeCode = `tiktok-code-${randomBytes(8).toString('hex')}`
  const fakeState = `state-${randomBytes(8).toString('hex')}`
  t.equal((await traced(`${base}/auth/tiktok/callback?code=${fakeCode}&state=${fakeState}`)).status, 400)
  const native = pkcePair()
  const exchange = await traced(`${base}/auth/tiktok/exchange`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: fakeCode, code_verifier: native.verifier, redirect_uri: NATIVE_REDIRECT }) })
  t.equal(exchange.status, 400)
  const bad = pkcePair()
  t.equal((await traced(`${base}/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: fakeCode, code_verifier: bad.verifier }) })).status, 400)
  t.equal((await traced(`${base}/auth/tiktok/login?redirect_uri=${encodeURIComponent(APP_REDIRECT)}&code_challenge=short&state=${fakeState}`)).status, 400)
  // Before the logout revokes them at the emulator.
  const upstream = emulator.controls.tokensOf(login.openId)
  t.equal((await traced(`${base}/auth/logout`, { method: 'POST', headers })).status, 200)
  t.equal((await traced(`${base}/me`, { headers })).status, 401, 'logged out')

  server.child.kill('SIGTERM')
  t.same(await server.exited, { code: 0, signal: null })
  const logs = jsonLines(server.stdout)
  t.equal(logs.length, server.stdout.length, 'every stdout line is JSON')
  t.equal(server.stderr(), '', 'nothing on stderr')

  for (const s of seen) {
    t.match(s.logId, LOG_ID_PATTERN, `${s.route}: x-log-id`)
    const lines = logs.filter((l) => l.msg === 'request' && l.log_id === s.logId)
    t.equal(lines.length, 1, `${s.route} ${s.status}: exactly one request line`)
    const line = lines[0] ?? {}
    t.equal(line.route, s.route, 'the route pattern')
    t.equal(line.status, s.status)
    t.type(line.ms, 'number')
    t.notOk(String(line.path).includes('?'), 'the path without its query')
    if (s.tiktokLogId !== null) t.equal(line.tiktok_log_id, s.tiktokLogId, 'TikTok\'s log_id')
  }
  t.ok(seen.filter((s) => s.route === '/me' && s.status === 200).every((s) => s.tiktokLogId !== null), '/me answers carry TikTok\'s log_id')

  const output = server.stdout.join('\n') + server.stderr()
  const secrets = [
    clientSecret, internalSecret, cookieSecret, env.TOKEN_ENCRYPTION_KEYS as string, fakeCode, fakeState,
    native.verifier, bad.verifier, ...login.secrets, ...upstream.accessTokens, ...upstream.refreshTokens
  ]
  t.ok(upstream.accessTokens.length + upstream.refreshTokens.length >= 2, 'the refreshed TikTok tokens are scanned too')
  const leaked = secrets.filter((s) => output.includes(s))
  t.same(leaked, [], `none of ${secrets.length} secrets appears in ${server.stdout.length} log lines`)
})
