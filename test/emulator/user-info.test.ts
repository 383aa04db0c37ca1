import t from 'tap'
import { FIELD_NAMES } from '../../src/scopes/catalogue.js'
import { SAMPLE_USERS } from '../../src/emulator/index.js'
import { LOG_ID, get, login, sleep, start, userInfo } from './fixtures/client.js'

const ALL = FIELD_NAMES.join(',')

t.test('only the requested fields, in TikTok\'s envelope', async (t) => {
  const emu = await start(t)
  const user = SAMPLE_USERS[0]!
  const { access_token: token } = await login(emu, ['user.info.basic', 'user.info.profile', 'user.info.stats'], user.open_id)
  const res = await userInfo(emu.url, token, 'open_id,display_name,likes_count')
  t.equal(res.status, 200)
  t.same(res.json.data, { user: { open_id: user.open_id, display_name: user.display_name, likes_count: user.likes_count } })
  t.match(res.json.error, { code: 'ok', message: '', log_id: LOG_ID })
  t.equal(res.headers['x-tt-logid'], (res.json.error as { log_id: string }).log_id)
  t.match(res.text, `"likes_count":${user.likes_count}`, 'large counts are JSON integers')

  const encoded = await userInfo(emu.url, token, 'open_id%2Cunion_id')
  t.same(Object.keys((encoded.json.data as { user: object }).user).sort(), ['open_id', 'union_id'], '%2C accepted')

  const all = await userInfo(emu.url, token, ALL)
  const profile = (all.json.data as { user: Record<string, unknown> }).user
  t.same(Object.keys(profile).sort(), [...FIELD_NAMES].sort(), 'every field')
  t.type(profile.is_verified, 'boolean')
  for (const f of ['follower_count', 'following_count', 'likes_count', 'video_count']) t.ok(Number.isInteger(profile[f]), `${f} integer`)
  for (const f of ['avatar_url', 'avatar_url_100', 'avatar_large_url']) t.ok(String(profile[f]).startsWith(`${emu.url}/avatar/`), `${f} served here`)
  const avatar = await get(String(profile.avatar_url))
  t.equal(avatar.status, 200)
  t.match(avatar.headers['content-type'], /^image\/svg\+xml/)
  t.match(avatar.text, /^<svg /)
})

t.test('a user without a bio: the field is absent, not null', async (t) => {
  const emu = await start(t)
  const user = SAMPLE_USERS.find((u) => u.bio_description === undefined)
  t.ok(user, 'a sample user has no bio')
  t.equal(user?.is_verified, false)
  const { access_token: token } = await login(emu, ['user.info.basic', 'user.info.profile'], user?.open_id)
  const res = await userInfo(emu.url, token, 'open_id,bio_description,is_verified')
  t.same(res.json.data, { user: { open_id: user?.open_id, is_verified: false } })
})

t.test('user info errors', async (t) => {
  const emu = await start(t)
  const { access_token: token } = await login(emu, ['user.info.basic'])
  const fails = async (res: Awaited<ReturnType<typeof userInfo>>, status: number, code: string, message?: string): Promise<void> => {
    t.equal(res.status, status, `${code}: status`)
    t.same(res.json.data, {})
    t.match(res.json.error, { code, log_id: LOG_ID })
    if (message !== undefined) t.equal((res.json.error as { message: string }).message, message)
  }
  await fails(await userInfo(emu.url, token, 'open_id,follower_count'), 401, 'scope_not_authorized',
    'The user did not authorize the scope required for completing this request.')
  await fails(await userInfo(emu.url, token, 'open_id,email'), 400, 'invalid_params')
  await fails(await userInfo(emu.url, token, 'avatar_url_200'), 400, 'invalid_params')
  await fails(await get(`${emu.url}/v2/user/info/`, { authorization: `Bearer ${token}` }), 400, 'invalid_params',
    'Fields is required, please provide fields in the request')
  await fails(await get(`${emu.url}/v2/user/info/?fields=open_id`), 401, 'access_token_invalid')
  await fails(await userInfo(emu.url, 'act.garbage!1234.va', 'open_id'), 401, 'access_token_invalid')
  await fails(await get(`${emu.url}/v2/user/info/?fields=open_id`, { authorization: token }), 401, 'access_token_invalid')
  t.equal(emu.controls.counts.user_info, 7)
})

t.test('expired access tokens are refused: by TTL and by expireAccessTokens()', async (t) => {
  const emu = await start(t)
  emu.controls.setAccessTokenTtl(1)
  const short = await login(emu)
  t.equal(short.expires_in, 1)
  t.equal((await userInfo(emu.url, short.access_token, 'open_id')).status, 200)
  await sleep(1100)
  t.equal((await userInfo(emu.url, short.access_token, 'open_id')).status, 401, 'refused after expires_in')

  emu.controls.setAccessTokenTtl(7200)
  const long = await login(emu)
  emu.controls.expireAccessTokens()
  const res = await userInfo(emu.url, long.access_token, 'open_id')
  t.equal(res.status, 401)
  t.equal((res.json.error as { code: string }).code, 'access_token_invalid')
  t.same(emu.controls.tokensOf(SAMPLE_USERS[0]!.open_id).accessTokens, [], 'no live access token left')
  const fresh = await login(emu)
  t.equal((await userInfo(emu.url, fresh.access_token, 'open_id')).status, 200, 'tokens issued afterwards work')
})

t.test('revokeUser ends every grant of that user only', async (t) => {
  const emu = await start(t)
  const [a, b] = [SAMPLE_USERS[0]!.open_id, SAMPLE_USERS[1]!.open_id]
  const one = await login(emu, ['user.info.basic'], a)
  const two = await login(emu, ['user.info.basic'], a)
  const other = await login(emu, ['user.info.basic'], b)
  t.same(emu.controls.tokensOf(a), { accessTokens: [one.access_token, two.access_token], refreshTokens: [one.refresh_token, two.refresh_token] })
  emu.controls.revokeUser(a)
  t.equal((await userInfo(emu.url, one.access_token, 'open_id')).status, 401)
  t.equal((await userInfo(emu.url, two.access_token, 'open_id')).status, 401)
  t.same(emu.controls.tokensOf(a), { accessTokens: [], refreshTokens: [] })
  t.equal((await userInfo(emu.url, other.access_token, 'open_id')).status, 200)
})

t.test('rate limit: 429 with x-ratelimit-reset and no Retry-After', async (t) => {
  const emu = await start(t)
  const { access_token: token } = await login(emu)
  emu.controls.setRateLimit(3)
  for (let i = 0; i < 3; i++) t.equal((await userInfo(emu.url, token, 'open_id')).status, 200)
  const before = Math.floor(Date.now() / 1000)
  const res = await userInfo(emu.url, token, 'open_id')
  t.equal(res.status, 429)
  t.equal((res.json.error as { code: string }).code, 'rate_limit_exceeded')
  const reset = Number(res.headers['x-ratelimit-reset'])
  t.ok(reset >= before + 58 && reset <= before + 61, `reset is about a minute away (${reset - before}s)`)
  t.equal(res.headers['retry-after'], undefined)
  emu.controls.reset()
  t.equal((await userInfo(emu.url, token, 'open_id')).status, 200, 'reset() restores the default limit')
})

t.test('the path without the trailing slash', async (t) => {
  const emu = await start(t)
  const { access_token: token } = await login(emu)
  const res = await get(`${emu.url}/v2/user/info?fields=open_id`, { authorization: `Bearer ${token}` })
  t.equal(res.status, 200)
})
