import t from 'tap'
import { request } from 'undici'
import { startEmulator } from '../../src/emulator/index.js'
import {
  CLIENT_KEY, LOG_ID, REDIRECT_URI, exchange, get, login, pkce, postForm, postJson, refresh, start, userInfo
} from './fixtures/client.js'

t.test('forceNext: status and JSON body, then normal behaviour', async (t) => {
  const emu = await start(t)
  const { access_token: token } = await login(emu)
  emu.controls.forceNext('user_info', { status: 500, body: { data: {}, error: { code: 'internal_error' } }, headers: { 'x-extra': 'yes' } }, 2)
  for (let i = 0; i < 2; i++) {
    const res = await userInfo(emu.url, token, 'open_id')
    t.equal(res.status, 500)
    t.same(res.json, { data: {}, error: { code: 'internal_error' } })
    t.equal(res.headers['x-extra'], 'yes')
    t.match(res.headers['content-type'], /^application\/json/)
  }
  t.equal((await userInfo(emu.url, token, 'open_id')).status, 200, 'back to normal after N')
  t.equal(emu.controls.counts.user_info, 3, 'forced answers count as requests')
})

t.test('forceNext: raw garbage is sent as-is', async (t) => {
  const emu = await start(t)
  emu.controls.forceNext('token', { status: 502, raw: '<html>Bad Gateway', contentType: 'text/html' })
  const res = await refresh(emu.url, 'rft.whatever')
  t.equal(res.status, 502)
  t.equal(res.text, '<html>Bad Gateway')
  t.match(res.headers['content-type'], /^text\/html/)
  t.equal((await refresh(emu.url, 'rft.whatever')).json.error, 'invalid_grant', 'one shot')
})

t.test('forceNext: reset destroys the socket', async (t) => {
  const emu = await start(t)
  emu.controls.forceNext('revoke', { reset: true })
  await t.rejects(postForm(`${emu.url}/v2/oauth/revoke/`, { token: 'x' }), { code: 'UND_ERR_SOCKET' })
  t.equal(emu.controls.counts.revoke, 1)
})

t.test('forceNext on authorize applies before validation', async (t) => {
  const emu = await start(t)
  emu.controls.forceNext('authorize', { status: 503, raw: 'maintenance' })
  const res = await get(`${emu.url}/v2/auth/authorize/?client_key=wrong`)
  t.equal(res.status, 503)
  t.equal(res.text, 'maintenance')
})

t.test('setDelay answers slowly; close() does not wait for a delayed answer', async (t) => {
  const emu = await startEmulator()
  emu.controls.setDelay('token', 300)
  const started = Date.now()
  const res = await refresh(emu.url, 'rft.unknown')
  t.ok(Date.now() - started >= 290, `delayed (${Date.now() - started} ms)`)
  t.equal(res.json.error, 'invalid_grant', 'then answered normally')
  emu.controls.setDelay('token', 0)
  const quick = Date.now()
  await refresh(emu.url, 'rft.unknown')
  t.ok(Date.now() - quick < 250, 'delay off')

  emu.controls.setDelay('user_info', 10_000)
  const pending = get(`${emu.url}/v2/user/info/?fields=open_id`).then(() => 'answered', () => 'failed')
  await new Promise((resolve) => setTimeout(resolve, 100))
  const closing = Date.now()
  await emu.close()
  t.ok(Date.now() - closing < 2000, `closed promptly (${Date.now() - closing} ms)`)
  t.equal(await pending, 'failed', 'the delayed request was cut off')
})

t.test('setErrorsAs200 answers token and revoke errors with 200', async (t) => {
  const emu = await start(t)
  emu.controls.setErrorsAs200(true)
  const res = await refresh(emu.url, 'rft.unknown')
  t.equal(res.status, 200)
  t.equal(res.json.error, 'invalid_grant')
  const bad = await postForm(`${emu.url}/v2/oauth/revoke/`, { client_key: CLIENT_KEY, client_secret: 'wrong', token: 'x' })
  t.equal(bad.status, 200)
  t.equal(bad.json.error, 'invalid_client')
  emu.controls.reset()
  t.equal((await refresh(emu.url, 'rft.unknown')).status, 400, 'reset() restores 400')
})

t.test('counts and resetCounts', async (t) => {
  const emu = await start(t)
  await login(emu)
  t.same(emu.controls.counts, { authorize: 0, token: 1, token_authorization_code: 1, token_refresh: 0, revoke: 0, user_info: 0, video_list: 0, video_query: 0 })
  emu.controls.resetCounts()
  t.same(emu.controls.counts, { authorize: 0, token: 0, token_authorization_code: 0, token_refresh: 0, revoke: 0, user_info: 0, video_list: 0, video_query: 0 })
  t.throws(() => emu.controls.issueCode({ scopes: ['user.info.email'], redirectUri: REDIRECT_URI }), RangeError)
  t.throws(() => emu.controls.setDelay('token', -1), RangeError)
})

t.test('the HTTP controls route', async (t) => {
  const emu = await start(t)
  const control = (body: unknown): ReturnType<typeof postJson> => postJson(`${emu.url}/__emulator/controls`, body)
  t.same((await control({ action: 'forceNext', endpoint: 'token', answer: { status: 503, raw: 'busy' } })).json, { ok: true })
  t.equal((await refresh(emu.url, 'rft.x')).status, 503)

  const { verifier, challenge } = pkce('base64url')
  const issued = await control({ action: 'issueCode', scopes: ['user.info.basic'], redirectUri: REDIRECT_URI, codeChallenge: challenge })
  t.equal(issued.status, 200)
  const tokens = await exchange(emu.url, { code: String(issued.json.code), code_verifier: verifier })
  t.equal(tokens.status, 200)
  const live = await control({ action: 'tokensOf', openId: String(tokens.json.open_id) })
  t.same(live.json.accessTokens, [tokens.json.access_token])

  t.same((await control({ action: 'setErrorsAs200', on: true })).json, { ok: true })
  t.equal((await refresh(emu.url, 'rft.x')).status, 200)

  const counts = await get(`${emu.url}/__emulator/controls/counts`)
  t.same(counts.json, { authorize: 0, token: 3, token_authorization_code: 1, token_refresh: 0, revoke: 0, user_info: 0, video_list: 0, video_query: 0 })

  for (const bad of [{ action: 'nope' }, { action: 'setDelay', endpoint: 'token', ms: -5 }, { action: 'setDelay', endpoint: 'oops', ms: 5 },
    { action: 'setRateLimit', perMinute: 0 }, { action: 'issueCode', scopes: ['user.info.email'], redirectUri: REDIRECT_URI }, 'string']) {
    const res = await control(bad)
    t.equal(res.status, 400, `refused: ${JSON.stringify(bad)}`)
    t.equal(res.json.error, 'invalid_control')
  }
  t.match((await control({ action: 'setDelay', endpoint: 'token' })).json.message, /ms/, 'the message names the problem')
  t.same((await control({ action: 'reset' })).json, { ok: true })
  t.same((await get(`${emu.url}/__emulator/controls/counts`)).json.token, 0)
  t.equal((await refresh(emu.url, 'rft.x')).status, 400)
})

t.test('every response carries x-tt-logid', async (t) => {
  const emu = await start(t)
  const res = await request(`${emu.url}/nowhere`)
  await res.body.dump()
  t.match(res.headers['x-tt-logid'], LOG_ID)
})
