import t from 'tap'
import { SAMPLE_USERS } from '../../src/emulator/index.js'
import { videosOf } from '../../src/emulator/videos.js'
import { LOG_ID, login, postApi, postJson, start, userInfo, videoList, videoQuery, type Answer } from './fixtures/client.js'

const VIDEO_SCOPES = ['user.info.basic', 'video.list']
const videos = (res: Answer): Array<Record<string, unknown>> => (res.json.data as { videos: Array<Record<string, unknown>> }).videos

t.test('query answers the caller\'s own visible videos among the ids', async (t) => {
  const emu = await start(t)
  const [me, other] = [SAMPLE_USERS[0]!, SAMPLE_USERS[1]!]
  const { access_token: token } = await login(emu, VIDEO_SCOPES, me.open_id)
  const mine = videosOf(me.open_id)
  const visible = mine.filter((v) => !v.underReview)
  const hidden = mine.find((v) => v.underReview)!
  const theirs = videosOf(other.open_id)[0]!
  const ids = [visible[5]!.id, visible[0]!.id, theirs.id, hidden.id, '7000000000000000000', 'not-an-id', visible[0]!.id]
  const res = await videoQuery(emu.url, token, 'id,title,view_count', { filters: { video_ids: ids } })
  t.equal(res.status, 200)
  t.match(res.json.error, { code: 'ok', message: '', log_id: LOG_ID })
  t.same(videos(res), [visible[0]!, visible[5]!].map((v) => ({ id: v.id, title: v.title, view_count: v.viewCount })),
    'own visible videos only, once each, newest first, only the requested fields')
  t.match(res.json.data, { cursor: 0, has_more: false })

  const twenty = visible.slice(0, 20).map((v) => v.id)
  t.equal(videos(await videoQuery(emu.url, token, 'id', { filters: { video_ids: twenty } })).length, 20, '20 ids at once')
  const listed = videos(await videoList(emu.url, token, 'id,cover_image_url', { max_count: 3 }))
  const queried = videos(await videoQuery(emu.url, token, 'id,cover_image_url', { filters: { video_ids: listed.map((v) => v.id) } }))
  t.same(queried, listed, 'the same objects as the list (a fresh cover URL)')
})

t.test('query errors', async (t) => {
  const emu = await start(t)
  const { access_token: token } = await login(emu, VIDEO_SCOPES)
  const id = videosOf(SAMPLE_USERS[0]!.open_id)[0]!.id
  const fails = (res: Answer, status: number, code: string, what: string): void => {
    t.equal(res.status, status, `${what}: status`)
    t.same(res.json.data, {})
    t.match(res.json.error, { code, log_id: LOG_ID })
  }
  const ids21 = Array.from({ length: 21 }, (_, i) => `70000000000000000${String(i).padStart(2, '0')}`)
  for (const [what, body] of Object.entries({
    '21 ids': { filters: { video_ids: ids21 } },
    'no ids': { filters: { video_ids: [] } },
    numbers: { filters: { video_ids: [7000000000000000000] } },
    'not a list': { filters: { video_ids: id } },
    'no filters': { video_ids: [id] },
    'filters null': { filters: null },
    'no body': undefined
  })) {
    fails(await videoQuery(emu.url, token, 'id', body), 400, 'invalid_params', what)
  }
  fails(await videoQuery(emu.url, token, 'id,follower_count', { filters: { video_ids: [id] } }), 400, 'invalid_params', 'a user field')
  fails(await postApi(`${emu.url}/v2/video/query/`, token, { filters: { video_ids: [id] } }), 400, 'invalid_params', 'no fields')
  const basic = await login(emu, ['user.info.basic'])
  fails(await videoQuery(emu.url, basic.access_token, 'id', { filters: { video_ids: [id] } }), 401, 'scope_not_authorized', 'no video.list')
  fails(await videoQuery(emu.url, '', 'id', { filters: { video_ids: [id] } }), 401, 'access_token_invalid', 'no token')
  t.equal(emu.controls.counts.video_query, 11)
  t.equal(emu.controls.counts.video_list, 0)
})

t.test('rate limit: each endpoint has its own window', async (t) => {
  const emu = await start(t)
  const { access_token: token } = await login(emu, VIDEO_SCOPES)
  const query = { filters: { video_ids: ['7000000000000000000'] } }
  emu.controls.setRateLimit(2)
  for (let i = 0; i < 2; i++) t.equal((await videoList(emu.url, token, 'id')).status, 200)
  const before = Math.floor(Date.now() / 1000)
  const res = await videoList(emu.url, token, 'id')
  t.equal(res.status, 429)
  t.match(res.json, { data: {}, error: { code: 'rate_limit_exceeded', log_id: LOG_ID } })
  const reset = Number(res.headers['x-ratelimit-reset'])
  t.ok(reset >= before + 58 && reset <= before + 61, `reset is about a minute away (${reset - before}s)`)
  t.equal(res.headers['retry-after'], undefined)
  for (let i = 0; i < 2; i++) t.equal((await videoQuery(emu.url, token, 'id', query)).status, 200, 'query: its own window')
  t.equal((await videoQuery(emu.url, token, 'id', query)).status, 429)
  t.equal((await userInfo(emu.url, token, 'open_id')).status, 200, 'user info: its own window')
  emu.controls.reset()
  t.equal((await videoList(emu.url, token, 'id')).status, 200, 'reset() empties the windows')
})

t.test('forceNext, setDelay and the HTTP controls reach the video endpoints', async (t) => {
  const emu = await start(t)
  const { access_token: token } = await login(emu, VIDEO_SCOPES)
  emu.controls.forceNext('video_list', { status: 500, body: { data: {}, error: { code: 'internal_error' } } })
  t.equal((await videoList(emu.url, token, 'id')).status, 500)
  t.equal((await videoList(emu.url, token, 'id')).status, 200, 'one shot')

  const forced = await postJson(`${emu.url}/__emulator/controls`, { action: 'forceNext', endpoint: 'video_query', answer: { status: 503, raw: 'busy' } })
  t.same(forced.json, { ok: true })
  const busy = await videoQuery(emu.url, token, 'id', { filters: { video_ids: ['1'] } })
  t.equal(busy.status, 503)
  t.equal(busy.text, 'busy')

  emu.controls.setDelay('video_query', 300)
  const started = Date.now()
  t.equal((await videoQuery(emu.url, token, 'id', { filters: { video_ids: ['1'] } })).status, 200)
  t.ok(Date.now() - started >= 290, 'delayed')
  t.same(emu.controls.counts, { authorize: 0, token: 1, token_authorization_code: 1, token_refresh: 0, revoke: 0, user_info: 0, video_list: 2, video_query: 2 })
})
