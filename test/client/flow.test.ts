import type { AddressInfo } from 'node:net'
import t from 'tap'
import { APP_REDIRECT, NATIVE_REDIRECT, build, login, pkcePair, sdkPkcePair } from '../helper.js'
import { createBffClient, withBearer } from '../../clients/typescript/index.js'
import { SAMPLE_USERS } from '../../src/emulator/index.js'
import { videosOf } from '../../src/emulator/videos.js'

// The whole flow through the typed client generated from the committed OpenAPI document, over
// real HTTP against the emulator: if the document did not describe the service, this would not
// compile or would fail. Only the user's consent at TikTok is stood in for (issueCode).

const INTERNAL_KEY = 'internal-secret-0123456789abcdef'
const SOMCHAI = SAMPLE_USERS[0] as { open_id: string, union_id: string }
const NOK = SAMPLE_USERS[2] as { open_id: string }

t.test('login, handoff, /me, introspect, user lookup, logout — all through the typed client', async (t) => {
  const ctx = await build(t)
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`
  const api = createBffClient({ baseUrl })
  const internal = createBffClient({ baseUrl, bearer: INTERNAL_KEY })

  // 1. The app starts the login: 302 to TikTok's authorize page.
  const pkce = pkcePair()
  const start = await api.GET('/auth/tiktok/login', {
    params: { query: { redirect_uri: APP_REDIRECT, code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'app-state', scope: 'user.info.basic,user.info.stats' } },
    redirect: 'manual'
  })
  t.equal(start.response.status, 302)
  const authorize = new URL(start.response.headers.get('location') ?? '')
  t.equal(authorize.origin + authorize.pathname, `${ctx.emulator.url}/v2/auth/authorize/`)
  t.match(authorize.searchParams.get('code_challenge'), /^[0-9a-f]{64}$/, 'hex S256 towards TikTok')

  // 2. The user approves at TikTok, which sends the browser back to the callback.
  const code = ctx.emulator.controls.issueCode({
    scopes: ['user.info.basic', 'user.info.stats'],
    redirectUri: authorize.searchParams.get('redirect_uri') ?? '',
    codeChallenge: authorize.searchParams.get('code_challenge') ?? ''
  })
  const back = await api.GET('/auth/tiktok/callback', {
    params: { query: { code, state: authorize.searchParams.get('state') ?? '', scopes: 'user.info.basic,user.info.stats' } },
    redirect: 'manual'
  })
  t.equal(back.response.status, 302)
  const appRedirect = new URL(back.response.headers.get('location') ?? '')
  t.equal(appRedirect.origin + appRedirect.pathname, APP_REDIRECT)
  t.equal(appRedirect.searchParams.get('state'), 'app-state')

  // 3. The app redeems the handoff code with its verifier.
  const redeemed = await api.POST('/auth/session', { body: { code: appRedirect.searchParams.get('code') ?? '', code_verifier: pkce.verifier } })
  t.equal(redeemed.response.status, 201)
  const session = redeemed.data?.data.session
  if (session === undefined) throw new Error(`no session: ${JSON.stringify(redeemed.error)}`)
  t.equal(session.token_type, 'Bearer')
  t.equal(session.open_id, SOMCHAI.open_id)
  t.same(session.scopes, ['user.info.basic', 'user.info.stats'])

  // 4. /me, with the session token.
  const user = createBffClient({ baseUrl, bearer: session.token })
  const me = await user.GET('/me')
  t.equal(me.response.status, 200)
  const profile = me.data?.data.user
  t.equal(profile?.open_id, SOMCHAI.open_id)
  t.equal(profile?.union_id, SOMCHAI.union_id)
  t.ok(Number.isInteger(profile?.follower_count), 'counts are integers')
  const some = await user.GET('/me', { params: { query: { fields: 'display_name,video_count' } } })
  t.same(Object.keys(some.data?.data.user ?? {}).sort(), ['display_name', 'video_count'])
  const denied = await user.GET('/me', { params: { query: { fields: 'username' } } })
  t.equal(denied.response.status, 403)
  t.equal(denied.error?.error.code, 'scope_not_authorized')
  const etag = me.response.headers.get('etag') ?? ''
  const notModified = await user.GET('/me', { headers: { 'if-none-match': etag } })
  t.equal(notModified.response.status, 304)

  // 5. An internal service introspects the token and looks the user up.
  const live = await internal.POST('/internal/introspect', { body: { token: session.token } })
  t.same(live.data?.data, { active: true, open_id: SOMCHAI.open_id, union_id: SOMCHAI.union_id, scopes: session.scopes, expires_at: session.expires_at })
  const looked = await internal.GET('/internal/users/{open_id}', { params: { path: { open_id: SOMCHAI.open_id }, query: { fields: 'display_name' } } })
  t.equal(looked.response.status, 200)
  t.equal(looked.data?.data.user.display_name, profile?.display_name)
  const missing = await internal.GET('/internal/users/{open_id}', { params: { path: { open_id: NOK.open_id } } })
  t.equal(missing.response.status, 404)
  t.equal(missing.error?.error.code, 'not_found')
  const stranger = await api.POST('/internal/introspect', { body: { token: session.token } })
  t.equal(stranger.response.status, 401)

  // 6. The scope catalogue, in Thai.
  const scopes = await api.GET('/scopes', { headers: { 'accept-language': 'th' } })
  t.equal(scopes.data?.data.scopes.length, 6)
  t.equal(scopes.data?.data.scopes[0]?.description, scopes.data?.data.scopes[0]?.descriptions.th)

  // 7. Logout: the token is dead everywhere at once.
  const out = await user.POST('/auth/logout', { body: {} })
  t.equal(out.response.status, 200)
  t.equal(out.data?.data.sessions_ended, 1)
  const dead = await internal.POST('/internal/introspect', { body: { token: session.token } })
  t.same(dead.data?.data, { active: false })
  const after = await user.GET('/me')
  t.equal(after.response.status, 401)
  t.equal(after.error?.error.code, 'access_token_invalid')
})

t.test('the native Login Kit exchange through the typed client', async (t) => {
  const ctx = await build(t)
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`
  const api = createBffClient({ baseUrl })
  const { verifier, challenge } = sdkPkcePair()
  const code = ctx.emulator.controls.issueCode({
    scopes: ['user.info.basic'],
    redirectUri: NATIVE_REDIRECT,
    codeChallenge: challenge,
    openId: NOK.open_id
  })
  const res = await api.POST('/auth/tiktok/exchange', { body: { code, code_verifier: verifier, redirect_uri: NATIVE_REDIRECT } })
  t.equal(res.response.status, 201)
  const token = res.data?.data.session.token ?? ''
  const me = await api.GET('/me', { headers: withBearer(token), params: { query: { fields: 'open_id' } } })
  t.same(me.data?.data.user, { open_id: NOK.open_id })
  const replay = await api.POST('/auth/tiktok/exchange', { body: { code, code_verifier: verifier, redirect_uri: NATIVE_REDIRECT } })
  t.equal(replay.response.status, 400)
  t.equal(replay.error?.error.code, 'invalid_params')
})

t.test('the typed client pages through all of a sample user\'s videos with the cursor, then asks for some by id', async (t) => {
  const ctx = await build(t)
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`
  const { token } = await login(ctx, { appScope: 'user.info.basic,video.list', openId: SOMCHAI.open_id })
  const api = createBffClient({ baseUrl, bearer: token })
  const expected = videosOf(SOMCHAI.open_id).filter((v) => !v.underReview)

  const titles: string[] = []
  let cursor: number | undefined
  for (let page = 0; page < 20; page++) {
    const { data, response } = await api.GET('/me/videos', { params: { query: { max_count: 5, fields: 'id,title,create_time', ...(cursor === undefined ? {} : { cursor }) } } })
    t.equal(response.status, 200)
    if (data === undefined) break
    for (const v of data.data.videos) titles.push(v.title ?? '')
    if (!data.data.has_more) break
    cursor = data.data.cursor
  }
  t.same(titles, expected.map((v) => v.title), 'every video once, newest first, typed as the document says')

  const ids = expected.slice(0, 2).map((v) => v.id)
  const byId = await api.GET('/me/videos', { params: { query: { ids: ids.join(','), fields: 'id,cover_image_url' } } })
  t.same(byId.data?.data.videos.map((v) => v.id).sort(), [...ids].sort())
  const wrong = await api.GET('/me/videos', { params: { query: { max_count: 21 } } })
  t.equal(wrong.response.status, 400)
  t.equal(wrong.error?.error.code, 'invalid_params')
})
