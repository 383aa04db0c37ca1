import type { InjectOptions } from 'fastify'
import t from 'tap'
import { APP_REDIRECT, NATIVE_REDIRECT, auth, build, captureLogs, pkcePair, storedRecord, type Ctx } from '../helper.js'
import { SAMPLE_USERS } from '../../src/emulator/index.js'
import { createTokenCipher } from '../../src/session/crypto.js'
import { digest } from '../../src/session/keys.js'
import { hexChallenge } from '../../src/tiktok/pkce.js'

// A whole lifecycle — browser login through TikTok's consent page, handoff, /me,
// a refresh, a native exchange, introspection and a user lookup with the internal key, replays
// that fail, logout — then every log line and every Redis key and value under the prefix
// (read at each step, since logout deletes most of them) is searched for every secret it used,
// as is, URL-encoded, base64 and base64url. The loggers here have no redaction, so a secret
// that only the production redaction hides still counts: none may reach the logger at all.

const [SOMCHAI, EMMA] = SAMPLE_USERS as [typeof SAMPLE_USERS[number], typeof SAMPLE_USERS[number]]
const INTERNAL_KEY = 'internal-secret-0123456789abcdef'

function encodings (value: string): string[] {
  const b64 = Buffer.from(value).toString('base64')
  return [...new Set([value, encodeURIComponent(value), b64, b64.replace(/=+$/, ''), Buffer.from(value).toString('base64url')])]
}

async function dumpRedis (ctx: Ctx): Promise<string> {
  const out: string[] = []
  for (const key of await ctx.keys()) {
    const type = await ctx.redis.type(key)
    out.push(key)
    if (type === 'string') out.push(await ctx.redis.get(key) ?? '')
    else if (type === 'zset') out.push(...await ctx.redis.zrange(key, 0, -1, 'WITHSCORES'))
    else if (type === 'hash') out.push(JSON.stringify(await ctx.redis.hgetall(key)))
    else if (type === 'set') out.push(...await ctx.redis.smembers(key))
    else if (type === 'list') out.push(...await ctx.redis.lrange(key, 0, -1))
  }
  return out.join('\n')
}

/** A step of the lifecycle that did not do what it should stops the test. */
function expect (found: unknown, wanted: unknown, step: string): void {
  if (found !== wanted) throw new Error(`${step}: ${String(found)}, expected ${String(wanted)}`)
}

interface Run { secrets: Map<string, string>, redis: string[], answers: string[] }

async function lifecycle (ctx: Ctx): Promise<Run> {
  const run: Run = { secrets: new Map(), redis: [], answers: [] }
  const secret = (label: string, value: string): void => { run.secrets.set(label, value) }
  const snapshot = async (): Promise<void> => { run.redis.push(await dumpRedis(ctx)) }
  const tiktokTokens = (openId: string): void => {
    const { accessTokens, refreshTokens } = ctx.emulator.controls.tokensOf(openId)
    for (const v of accessTokens) secret(`TikTok access token ${v.slice(0, 8)}`, v)
    for (const v of refreshTokens) secret(`TikTok refresh token ${v.slice(0, 8)}`, v)
  }
  const call = async (opts: InjectOptions) => {
    const res = await ctx.app.inject(opts)
    run.answers.push(JSON.stringify(res.headers) + res.body)
    return res
  }

  secret('client secret', ctx.config.tiktok.clientSecret)
  secret('internal API key secret', INTERNAL_KEY)
  const key = ctx.config.encryptionKeys[0] as Buffer
  secret('encryption key (base64)', key.toString('base64'))
  secret('encryption key (hex)', key.toString('hex'))
  secret('encryption key (base64url)', key.toString('base64url'))

  // 1. Browser login: the app's PKCE pair, our state, our PKCE verifier towards TikTok.
  const app = pkcePair()
  secret('app PKCE verifier', app.verifier)
  const start = await call({ url: '/auth/tiktok/login', query: { redirect_uri: APP_REDIRECT, code_challenge: app.challenge, code_challenge_method: 'S256', state: 'app-state' } })
  const authorize = new URL(start.headers.location as string)
  const ourState = authorize.searchParams.get('state') as string
  secret('our state', ourState)
  await snapshot()
  // Our verifier never leaves the service but for TikTok's token endpoint: read it from the sealed
  // pending login with the configured key, to look for it everywhere else.
  const stateKey = (await ctx.keys()).find((k) => k.includes('state:')) as string
  const pending = storedRecord<{ verifier: string }>(await ctx.redis.get(stateKey)) ?? { verifier: '' }
  secret('our PKCE verifier', createTokenCipher(ctx.config.encryptionKeys).open(pending.verifier, `state:${digest(ourState)}`).plain)

  // 2. TikTok's consent page, as a browser submits it.
  const form = new URLSearchParams(authorize.searchParams)
  form.set('user', SOMCHAI.id)
  for (const s of (authorize.searchParams.get('scope') ?? '').split(',')) form.append('scopes', s)
  form.set('action', 'approve')
  const consent = await fetch(`${ctx.emulator.url}/v2/auth/authorize/`, { method: 'POST', body: form, redirect: 'manual' })
  const back = new URL(consent.headers.get('location') as string)
  secret('TikTok code (browser)', back.searchParams.get('code') as string)

  // 3. Callback, handoff, session, /me.
  const cb = await call({ url: `${back.pathname}${back.search}` })
  const handoff = new URL(cb.headers.location as string).searchParams.get('code') as string
  secret('handoff code', handoff)
  await snapshot()
  const created = await call({ method: 'POST', url: '/auth/session', payload: { code: handoff, code_verifier: app.verifier } })
  const tokenA = created.json().data.session.token as string
  secret('session token A', tokenA)
  tiktokTokens(SOMCHAI.open_id)
  await snapshot()
  expect((await call({ url: '/me', headers: auth(tokenA) })).statusCode, 200, 'me')

  // 4. A refresh: TikTok no longer takes the access token.
  ctx.emulator.controls.expireAccessTokens()
  expect((await call({ url: '/me', headers: auth(tokenA) })).statusCode, 200, 'me after a refresh')
  expect(ctx.emulator.controls.counts.token_refresh, 1, 'refreshed once')
  tiktokTokens(SOMCHAI.open_id)
  await snapshot()

  // 5. Native exchange for another user.
  const native = pkcePair()
  secret('native PKCE verifier', native.verifier)
  const code = ctx.emulator.controls.issueCode({ openId: EMMA.open_id, scopes: ['user.info.basic', 'user.info.stats'], redirectUri: NATIVE_REDIRECT, codeChallenge: hexChallenge(native.verifier) })
  secret('TikTok code (native)', code)
  const exchanged = await call({ method: 'POST', url: '/auth/tiktok/exchange', payload: { code, code_verifier: native.verifier, redirect_uri: NATIVE_REDIRECT } })
  const tokenB = exchanged.json().data.session.token as string
  secret('session token B', tokenB)
  tiktokTokens(EMMA.open_id)
  await snapshot()

  // 6. Internal services.
  const introspect = await call({ method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL_KEY), payload: { token: tokenA } })
  expect(introspect.json().data.active, true, 'introspection')
  expect((await call({ url: `/internal/users/${EMMA.open_id}`, headers: auth(INTERNAL_KEY) })).statusCode, 200, 'user lookup')

  // 7. Refusals that carry secrets in their requests.
  expect((await call({ method: 'POST', url: '/auth/session', payload: { code: handoff, code_verifier: app.verifier } })).statusCode, 400, 'handoff replay')
  expect((await call({ method: 'POST', url: '/auth/tiktok/exchange', payload: { code, code_verifier: native.verifier, redirect_uri: NATIVE_REDIRECT } })).statusCode, 400, 'TikTok code replay')
  expect((await call({ url: `/auth/tiktok/callback?state=${encodeURIComponent(ourState)}&code=${encodeURIComponent(handoff)}` })).statusCode, 400, 'state replay')
  // A client that puts a secret in the wrong place gets it echoed back, but never logged.
  expect((await call({ url: `/me?fields=${encodeURIComponent(tokenA)}`, headers: auth(tokenA) })).statusCode, 400, 'a token where a field goes')
  expect((await call({ url: '/auth/tiktok/login', query: { redirect_uri: APP_REDIRECT, code_challenge: app.challenge, scope: tokenB } })).statusCode, 400, 'a token where a scope goes')
  expect((await call({ method: 'POST', url: '/internal/introspect', headers: auth(INTERNAL_KEY), payload: { token: tokenA, [handoff]: 1 } })).statusCode, 400, 'a code as a property name')
  await snapshot()

  // 8. Logout, both sessions; the tokens are dead afterwards.
  expect((await call({ method: 'POST', url: '/auth/logout', headers: auth(tokenA) })).statusCode, 200, 'logout A')
  expect((await call({ method: 'POST', url: '/auth/logout', headers: { ...auth(tokenB), 'content-type': 'application/json' }, payload: { all_sessions: true } })).statusCode, 200, 'logout B')
  expect((await call({ url: '/me', headers: auth(tokenA) })).statusCode, 401, 'A is over')
  await snapshot()
  return run
}

/** Where each secret was found, in any of its encodings: must stay empty. */
function scan (run: Run, logs: string[]): string[] {
  const logText = logs.join('\n')
  const redisText = run.redis.join('\n')
  const answerText = run.answers.join('\n')
  const found: string[] = []
  for (const [label, value] of run.secrets) {
    for (const form of encodings(value)) {
      if (logText.includes(form)) found.push(`${label} in the logs: ${logs.find((l) => l.includes(form))?.slice(0, 200) ?? ''}`)
      if (redisText.includes(form)) found.push(`${label} in Redis`)
    }
    // The app sees its own session tokens and handoff code, and our state goes to TikTok in the
    // authorize URL; no other secret (TikTok's tokens and codes, a verifier) may ever be in an answer.
    if (!/^(session token|handoff code|our state)/.test(label) && answerText.includes(value)) found.push(`${label} in an answer`)
  }
  return found
}

for (const level of ['info', 'debug', 'trace'] as const) {
  t.test(`no secret in logs or Redis over a whole lifecycle (log level ${level})`, async (t) => {
    const { logger, lines } = captureLogs(level)
    const ctx = await build(t, { env: { LOG_LEVEL: level }, app: { loggerInstance: logger } })
    const run = await lifecycle(ctx)
    t.ok(lines.length >= 20, `log lines captured (${lines.length})`)
    t.ok(run.redis.some((d) => d.includes(':s:{')) && run.redis.some((d) => d.includes(':handoff:{')), 'Redis held sessions and a handoff code while scanned')
    t.ok(run.secrets.size >= 15, `secrets looked for: ${run.secrets.size}`)
    const found = scan(run, lines)
    t.same(found, [], 'secrets found')
    t.comment(`level ${level}: ${run.secrets.size} secrets × up to 5 encodings searched in ${lines.length} log lines, ${run.redis.length} Redis snapshots, ${run.answers.length} answers; found ${found.length}`)
  })
}
