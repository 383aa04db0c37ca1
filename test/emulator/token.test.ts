import t from 'tap'
import { request } from 'undici'
import { SAMPLE_USERS } from '../../src/emulator/index.js'
import {
  CLIENT_KEY, CLIENT_SECRET, LOG_ID, REDIRECT_URI, exchange, login, pkce, postForm, postJson, refresh, sleep, start, userInfo
} from './fixtures/client.js'

const TOKEN_SHAPE = /^(act|rft)\.[A-Za-z0-9_-]+!\d{4}\.va$/

t.test('code exchange with a hex challenge returns exactly TikTok\'s keys', async (t) => {
  const emu = await start(t)
  const { verifier, challenge } = pkce('hex', 32) // the Android SDK's 32-char verifier
  const code = emu.controls.issueCode({ openId: SAMPLE_USERS[1]!.open_id, scopes: ['user.info.basic', 'user.info.stats'], redirectUri: REDIRECT_URI, codeChallenge: challenge })
  const res = await exchange(emu.url, { code, code_verifier: verifier })
  t.equal(res.status, 200)
  t.same(Object.keys(res.json).sort(), ['access_token', 'expires_in', 'open_id', 'refresh_expires_in', 'refresh_token', 'scope', 'token_type'])
  t.match(res.json, {
    access_token: TOKEN_SHAPE,
    refresh_token: TOKEN_SHAPE,
    expires_in: 7200,
    refresh_expires_in: 15552000,
    open_id: SAMPLE_USERS[1]!.open_id,
    scope: 'user.info.basic,user.info.stats',
    token_type: 'Bearer'
  })
  t.match(String(res.json.access_token), /^act\./)
  t.match(String(res.json.refresh_token), /^rft\./)
  t.equal(res.headers['cache-control'], 'no-store')
  t.same(emu.controls.counts, { authorize: 0, token: 1, token_authorization_code: 1, token_refresh: 0, revoke: 0, user_info: 0, video_list: 0, video_query: 0 })
})

t.test('a base64url challenge exchanges in either mode', async (t) => {
  const emu = await start(t, { accessTokenTtlSeconds: 86400, refreshTokenTtlSeconds: 31536000 })
  const { verifier, challenge } = pkce('base64url')
  const code = emu.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: REDIRECT_URI, codeChallenge: challenge })
  const res = await exchange(emu.url, { code, code_verifier: verifier })
  t.equal(res.status, 200)
  t.equal(res.json.expires_in, 86400, 'configured TTL')
  t.equal(res.json.refresh_expires_in, 31536000)
  t.equal(res.json.open_id, SAMPLE_USERS[0]!.open_id, 'issueCode defaults to the first user')
})

t.test('exchange errors', async (t) => {
  const emu = await start(t)
  const { verifier, challenge } = pkce()
  const issue = (): string => emu.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: REDIRECT_URI, codeChallenge: challenge })
  const flat = (res: Awaited<ReturnType<typeof exchange>>, status: number, error: string, description?: string): void => {
    t.equal(res.status, status, `${error}: status`)
    t.equal(res.json.error, error)
    if (description !== undefined) t.equal(res.json.error_description, description)
    t.match(res.json.log_id, LOG_ID)
    t.equal(res.headers['x-tt-logid'], res.json.log_id)
    t.same(Object.keys(res.json).sort(), ['error', 'error_description', 'log_id'], 'flat error')
  }
  const code = issue()
  flat(await exchange(emu.url, { code, code_verifier: pkce().verifier }), 400, 'invalid_request', 'Code verifier or code challenge is invalid.')
  flat(await exchange(emu.url, { code }), 400, 'invalid_request', 'Code verifier or code challenge is invalid.')
  flat(await exchange(emu.url, { code, code_verifier: verifier, redirect_uri: `${REDIRECT_URI}/` }), 400, 'invalid_request',
    'Redirect_uri is not matched with the uri when requesting code.')
  flat(await exchange(emu.url, { code, code_verifier: verifier, client_secret: 'wrong' }), 401, 'invalid_client')
  flat(await exchange(emu.url, { code: 'made-up', code_verifier: verifier }), 400, 'invalid_grant', 'Authorization code is expired.')
  flat(await exchange(emu.url, { code, code_verifier: verifier, grant_type: 'password' }), 400, 'unsupported_grant_type')
  const json = await postJson(`${emu.url}/v2/oauth/token/`, {
    client_key: CLIENT_KEY, client_secret: CLIENT_SECRET, grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI
  })
  flat(json, 400, 'invalid_request', 'The request parameters are malformed.')
  const garbage = await request(`${emu.url}/v2/oauth/token/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"nope' })
  t.equal(garbage.statusCode, 400)
  t.equal(((await garbage.body.json()) as { error: string }).error, 'invalid_request')
  t.equal((await exchange(emu.url, { code, code_verifier: verifier })).status, 200, 'failed attempts did not use the code up')
})

t.test('a replayed code is refused and ends the tokens it produced', async (t) => {
  const emu = await start(t)
  const { verifier, challenge } = pkce()
  const code = emu.controls.issueCode({ scopes: ['user.info.basic'], redirectUri: REDIRECT_URI, codeChallenge: challenge })
  const first = await exchange(emu.url, { code, code_verifier: verifier })
  t.equal(first.status, 200)
  const again = await exchange(emu.url, { code, code_verifier: verifier })
  t.equal(again.status, 400)
  t.equal(again.json.error, 'invalid_grant')
  t.equal(again.json.error_description, 'Authorization code is expired.')
  t.equal((await userInfo(emu.url, String(first.json.access_token), 'open_id')).status, 401, 'access token killed')
  t.equal((await refresh(emu.url, String(first.json.refresh_token))).json.error, 'invalid_grant', 'refresh token killed')
})

t.test('refresh rotates: the old refresh token dies, the old access token lives on', async (t) => {
  const emu = await start(t)
  const first = await login(emu)
  const res = await refresh(emu.url, first.refresh_token)
  t.equal(res.status, 200)
  t.same(Object.keys(res.json).sort(), ['access_token', 'expires_in', 'open_id', 'refresh_expires_in', 'refresh_token', 'scope', 'token_type'])
  t.not(res.json.refresh_token, first.refresh_token)
  t.not(res.json.access_token, first.access_token)
  t.equal(res.json.scope, first.scope)
  const old = await refresh(emu.url, first.refresh_token)
  t.equal(old.status, 400)
  t.equal(old.json.error, 'invalid_grant')
  t.equal(old.json.error_description, 'Refresh token is invalid or expired.')
  t.equal((await userInfo(emu.url, first.access_token, 'open_id')).status, 200, 'old access token still valid')
  t.equal((await userInfo(emu.url, String(res.json.access_token), 'open_id')).status, 200)
  t.equal((await refresh(emu.url, String(res.json.refresh_token))).status, 200, 'the new one refreshes')
  t.equal(emu.controls.counts.token_refresh, 2)
  t.equal(emu.controls.counts.token, 4, 'failed requests count too')
})

t.test('refresh_expires_in counts down from the first issue; an expired refresh token is refused', async (t) => {
  const emu = await start(t)
  const first = await login(emu)
  await sleep(1100)
  const res = await refresh(emu.url, first.refresh_token)
  const left = Number(res.json.refresh_expires_in)
  t.ok(left < 15552000 && left >= 15552000 - 5, `counted down (${left})`)
  t.equal(res.json.expires_in, 7200, 'access lifetime restarts')

  emu.controls.setRefreshTokenTtl(1)
  const short = await login(emu)
  t.equal(short.refresh_expires_in, 1)
  await sleep(1100)
  t.equal((await refresh(emu.url, short.refresh_token)).json.error, 'invalid_grant')
})

t.test('revoke ends the grant; unknown tokens answer {} too', async (t) => {
  const emu = await start(t)
  const a = await login(emu)
  const b = await login(emu)
  const revoke = (token: string, secret = CLIENT_SECRET): ReturnType<typeof postForm> =>
    postForm(`${emu.url}/v2/oauth/revoke/`, { client_key: CLIENT_KEY, client_secret: secret, token })
  const res = await revoke(a.access_token)
  t.equal(res.status, 200)
  t.same(res.json, {})
  t.equal((await userInfo(emu.url, a.access_token, 'open_id')).status, 401)
  t.equal((await refresh(emu.url, a.refresh_token)).json.error, 'invalid_grant')
  t.equal((await userInfo(emu.url, b.access_token, 'open_id')).status, 200, 'another grant lives on')
  t.same((await revoke('act.unknown!1234.va')).json, {})
  const bad = await revoke(b.access_token, 'wrong')
  t.equal(bad.status, 401)
  t.equal(bad.json.error, 'invalid_client')
  t.equal((await userInfo(emu.url, b.access_token, 'open_id')).status, 200, 'a refused revoke changes nothing')
  t.equal(emu.controls.counts.revoke, 3)
})

t.test('token and revoke paths without the trailing slash', async (t) => {
  const emu = await start(t)
  const tokens = await login(emu)
  t.equal((await postForm(`${emu.url}/v2/oauth/token`, {
    client_key: CLIENT_KEY, client_secret: CLIENT_SECRET, grant_type: 'refresh_token', refresh_token: tokens.refresh_token
  })).status, 200)
  t.equal((await postForm(`${emu.url}/v2/oauth/revoke`, { client_key: CLIENT_KEY, client_secret: CLIENT_SECRET, token: tokens.access_token })).status, 200)
  t.equal((await userInfo(emu.url, tokens.access_token, 'open_id')).status, 401)
})
