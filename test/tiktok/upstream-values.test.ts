import t from 'tap'
import { NATIVE_REDIRECT, auth, build, login, pkcePair } from '../helper.js'
import { hexChallenge } from '../../src/tiktok/pkce.js'
import { LOG_ID_PATTERN } from '../../src/envelope.js'

// TikTok's answers are input too. Its log_id is passed on in x-tiktok-log-id and logged: one that
// cannot be a header value (CR/LF: header injection; NUL; non-ASCII) or is absurdly long used to
// make Node refuse the whole answer, a 500 with Fastify's own body. It is now dropped (the
// x-tt-logid header stands in when usable); the answer is the envelope it would have been.

const BAD_LOG_IDS = ['abc\r\nSet-Cookie: session=evil', 'a\u0000b', 'caf\u00e9', 'x'.repeat(20_000), 'tab\there', ' ']

t.test('a TikTok log_id that cannot be a header never breaks the answer', async (t) => {
  const ctx = await build(t)
  const c = ctx.emulator.controls
  const { token } = await login(ctx)
  let faults = 0
  for (const logId of BAD_LOG_IDS) {
    const name = JSON.stringify(logId.slice(0, 30))
    c.forceNext('user_info', { status: 200, body: { data: {}, error: { code: 'internal_error', message: 'boom', log_id: logId } } })
    const failed = await ctx.app.inject({ url: '/me', headers: auth(token) })
    faults++
    t.equal(failed.statusCode, 502, `user info error, log_id ${name}`)
    t.equal(failed.json().error.code, 'upstream_error')
    t.match(failed.json().error.log_id, LOG_ID_PATTERN)
    t.notOk(failed.headers['set-cookie'], 'no injected header')
    t.match(failed.headers['x-tiktok-log-id'] ?? '', /^[\x21-\x7e]{0,128}$/, 'x-tiktok-log-id is a plain token or absent')

    c.forceNext('user_info', { status: 200, body: { data: { user: { display_name: 'X' } }, error: { code: 'ok', message: '', log_id: logId } } })
    const ok = await ctx.app.inject({ url: '/me?fields=display_name', headers: auth(token) })
    faults++
    t.equal(ok.statusCode, 200, `user info success, log_id ${name}`)
    t.same(ok.json().data.user, { display_name: 'X' })

    const native = pkcePair()
    const code = c.issueCode({ scopes: ['user.info.basic'], redirectUri: NATIVE_REDIRECT, codeChallenge: hexChallenge(native.verifier) })
    for (const [error, status] of [['server_error', 502], ['invalid_grant', 400]] as const) {
      c.forceNext('token', { status: 400, body: { error, error_description: 'no', log_id: logId } })
      const res = await ctx.app.inject({ method: 'POST', url: '/auth/tiktok/exchange', payload: { code, code_verifier: native.verifier, redirect_uri: NATIVE_REDIRECT } })
      faults++
      t.equal(res.statusCode, status, `token endpoint ${error}, log_id ${name}`)
      t.notOk(res.headers['set-cookie'])
    }

    c.expireAccessTokens()
    c.forceNext('user_info', { status: 401, body: { data: {}, error: { code: 'access_token_invalid', message: '', log_id: logId } } })
    c.forceNext('token', { status: 503, body: { error: 'temporarily_unavailable', log_id: logId } })
    const refresh = await ctx.app.inject({ url: '/me', headers: auth(token) })
    faults++
    t.equal(refresh.statusCode, 502, `refresh refused as transient, log_id ${name}`)
    t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 200, 'the session survives')
  }
  t.notOk(ctx.logs.some((l) => l.includes('Set-Cookie: session=evil')), 'the injected text is not logged')
  t.comment(`upstream faults with a bad log_id: ${faults}`)
})
