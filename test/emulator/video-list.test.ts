import t from 'tap'
import { VIDEO_FIELD_NAMES } from '../../src/scopes/catalogue.js'
import { SAMPLE_USERS } from '../../src/emulator/index.js'
import { videosOf } from '../../src/emulator/videos.js'
import { LOG_ID, get, login, postApi, start, userInfo, videoList, type Answer } from './fixtures/client.js'

const ALL = VIDEO_FIELD_NAMES.join(',')
const VIDEO_SCOPES = ['user.info.basic', 'video.list']

interface ListData { videos: Array<Record<string, unknown>>, cursor: number, has_more: boolean }
const data = (res: Answer): ListData => res.json.data as ListData

t.test('walking the pages gives every visible video once, newest first, with short pages', async (t) => {
  const emu = await start(t)
  for (const user of SAMPLE_USERS) {
    const { access_token: token } = await login(emu, VIDEO_SCOPES, user.open_id)
    const all = videosOf(user.open_id)
    const visible = all.filter((v) => !v.underReview).map((v) => v.id)
    t.ok(all.length >= 20 && all.length <= 30, `${user.id}: about two dozen videos (${all.length})`)
    t.ok(visible.length <= all.length - 2, `${user.id}: a couple are under review`)

    const seen: string[] = []
    const times: number[] = []
    let cursor: number | undefined
    let short = 0
    for (let page = 0; page < 10; page++) {
      const res = await videoList(emu.url, token, 'id,create_time', cursor === undefined ? undefined : { cursor })
      t.equal(res.status, 200)
      t.match(res.json.error, { code: 'ok', message: '', log_id: LOG_ID })
      const d = data(res)
      t.ok(d.videos.length <= 10, 'at most the default max_count')
      for (const v of d.videos) {
        t.same(Object.keys(v).sort(), ['create_time', 'id'], 'only the requested fields')
        if (cursor !== undefined) t.ok((v.create_time as number) * 1000 < cursor, 'strictly older than the cursor')
        seen.push(v.id as string)
        times.push(v.create_time as number)
      }
      if (d.has_more && d.videos.length < 10) short++
      t.ok(Number.isSafeInteger(d.cursor), 'the cursor is an integer')
      if (!d.has_more) break
      cursor = d.cursor
    }
    t.same(seen, visible, `${user.id}: every visible video exactly once, in order`)
    t.equal(new Set(seen).size, seen.length, 'no duplicates')
    t.ok(times.every((time, i) => i === 0 || time < (times[i - 1] as number)), 'newest first')
    t.ok(short >= 1, `${user.id}: a short page with has_more true`)
  }
})

t.test('max_count: default 10, at most 20; the window counts hidden videos', async (t) => {
  const emu = await start(t)
  const user = SAMPLE_USERS[0]!
  const all = videosOf(user.open_id)
  const { access_token: token } = await login(emu, VIDEO_SCOPES, user.open_id)
  const visibleIn = (n: number): string[] => all.slice(0, n).filter((v) => !v.underReview).map((v) => v.id)

  const first = data(await videoList(emu.url, token, 'id'))
  t.same(first.videos.map((v) => v.id), visibleIn(10), 'no body: the 10 newest, less those under review')
  t.ok(first.videos.length < 10)
  t.equal(first.has_more, true)
  t.equal(first.cursor, all[9]!.createTime * 1000, 'the cursor moved past the whole window')

  const most = data(await videoList(emu.url, token, 'id', { max_count: 20 }))
  t.same(most.videos.map((v) => v.id), visibleIn(20))
  t.equal(most.cursor, all[19]!.createTime * 1000)
  t.equal(most.has_more, true)
  const rest = data(await videoList(emu.url, token, 'id', { max_count: 20, cursor: most.cursor }))
  t.same(rest.videos.map((v) => v.id), all.slice(20).filter((v) => !v.underReview).map((v) => v.id))
  t.equal(rest.has_more, false, 'the last page')

  const one = data(await videoList(emu.url, token, 'id', { max_count: 1 }))
  t.same(one.videos.map((v) => v.id), [all[0]!.id])
  t.equal(data(await videoList(emu.url, token, 'id', { max_count: 1, cursor: 0 })).cursor, one.cursor, 'cursor 0 reads as now')

  for (const bad of [{ max_count: 0 }, { max_count: 21 }, { max_count: 2.5 }, { max_count: '5' }, { max_count: null },
    { cursor: -1 }, { cursor: 1.5 }, { cursor: 'abc' }, [1]]) {
    const res = await videoList(emu.url, token, 'id', bad)
    t.equal(res.status, 400, `refused: ${JSON.stringify(bad)}`)
    t.same(res.json.data, {})
    t.match(res.json.error, { code: 'invalid_params', log_id: LOG_ID })
  }
  t.match((await videoList(emu.url, token, 'id', { max_count: 21 })).json.error, { message: /max_count/ }, 'the message names it')
})

t.test('the cursor is a millisecond timestamp: videos posted strictly before it', async (t) => {
  const emu = await start(t)
  const user = SAMPLE_USERS[1]!
  const visible = videosOf(user.open_id).filter((v) => !v.underReview)
  const { access_token: token } = await login(emu, VIDEO_SCOPES, user.open_id)
  const pivot = visible[4]!
  const before = data(await videoList(emu.url, token, 'id', { cursor: pivot.createTime * 1000, max_count: 3 }))
  t.same(before.videos.map((v) => v.id), visible.slice(5, 8).map((v) => v.id), 'the pivot itself is not included')
  const at = data(await videoList(emu.url, token, 'id', { cursor: pivot.createTime * 1000 + 1, max_count: 1 }))
  t.same(at.videos.map((v) => v.id), [pivot.id], 'one millisecond later includes it')
  const ancient = data(await videoList(emu.url, token, 'id', { cursor: 1000 }))
  t.same(ancient, { videos: [], cursor: 1000, has_more: false }, 'nothing before 1970')
})

t.test('every field, with TikTok\'s types', async (t) => {
  const emu = await start(t)
  const user = SAMPLE_USERS[0]!
  const { access_token: token } = await login(emu, VIDEO_SCOPES, user.open_id)
  const res = await videoList(emu.url, token, ALL, { max_count: 20 })
  const videos = data(res).videos
  t.ok(videos.some((v) => /[\u0E00-\u0E7F]/.test(String(v.title))), 'some Thai titles')
  for (const v of videos) {
    t.same(Object.keys(v).sort(), [...VIDEO_FIELD_NAMES].sort())
    t.match(v.id, /^\d{19}$/)
    for (const f of ['create_time', 'duration', 'height', 'width', 'like_count', 'comment_count', 'share_count', 'view_count']) {
      t.ok(Number.isSafeInteger(v[f]) && (v[f] as number) >= 0, `${f} is an integer`)
    }
    t.ok(String(v.title).length <= 150 && String(v.video_description).length <= 150, 'title and description fit 150')
    t.equal(v.share_url, `https://www.tiktok.com/@${user.username}/video/${String(v.id)}`)
    t.equal(v.embed_link, `https://www.tiktok.com/player/v1/${String(v.id)}`)
    t.match(v.embed_html, new RegExp(`^<blockquote class="tiktok-embed" cite="[^"]+" data-video-id="${String(v.id)}"`))
    t.match(v.cover_image_url, new RegExp(`^${emu.url}/cover/${String(v.id)}\\.svg\\?x-expires=\\d+&x-signature=`))
  }
  const expires = Number(new URL(String(videos[0]!.cover_image_url)).searchParams.get('x-expires'))
  const hours = (expires - Date.now() / 1000) / 3600
  t.ok(hours > 5 && hours <= 6, `the cover URL expires in about 6 hours (${hours.toFixed(2)})`)
  const cover = await get(String(videos[0]!.cover_image_url))
  t.equal(cover.status, 200)
  t.match(cover.headers['content-type'], /^image\/svg\+xml/)
  t.match(cover.text, /^<svg /)

  const emma = SAMPLE_USERS[1]!
  const other = await login(emu, VIDEO_SCOPES, emma.open_id)
  const html = data(await videoList(emu.url, other.access_token, 'title,embed_html', { max_count: 20 })).videos
    .find((v) => String(v.title).includes('<'))
  t.ok(html, 'a title with HTML characters')
  t.notMatch(String(html?.embed_html), /<3|"no filter"/, 'escaped in embed_html')
  t.match(String(html?.embed_html), '&#60;3 &#34;no filter&#34; &#38;')
})

t.test('list errors: token, scope, fields, body', async (t) => {
  const emu = await start(t)
  const withVideos = await login(emu, VIDEO_SCOPES)
  const without = await login(emu, ['user.info.basic', 'user.info.profile'])
  const fails = (res: Answer, status: number, code: string, message?: string): void => {
    t.equal(res.status, status, `${code}: status`)
    t.same(res.json.data, {})
    t.match(res.json.error, { code, log_id: LOG_ID })
    if (message !== undefined) t.equal((res.json.error as { message: string }).message, message)
  }
  fails(await videoList(emu.url, without.access_token, 'id'), 401, 'scope_not_authorized',
    'The user did not authorize the scope required for completing this request.')
  fails(await videoList(emu.url, 'act.garbage!1234.va', 'id'), 401, 'access_token_invalid')
  fails(await videoList(emu.url, withVideos.access_token, 'id,open_id'), 400, 'invalid_params', 'Invalid fields: open_id')
  fails(await postApi(`${emu.url}/v2/video/list/`, withVideos.access_token, {}), 400, 'invalid_params',
    'Fields is required, please provide fields in the request')
  const badJson = await fetch(`${emu.url}/v2/video/list/?fields=id`, {
    method: 'POST', headers: { authorization: `Bearer ${withVideos.access_token}`, 'content-type': 'application/json' }, body: '{"max_count":'
  })
  t.equal(badJson.status, 400)
  t.match(await badJson.json(), { data: {}, error: { code: 'invalid_params' } }, 'malformed JSON in TikTok\'s envelope')
  const form = await fetch(`${emu.url}/v2/video/list/?fields=id`, {
    method: 'POST', headers: { authorization: `Bearer ${withVideos.access_token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'max_count=5'
  })
  t.equal(form.status, 400, 'TikTok reads JSON bodies only')
  t.equal(emu.controls.counts.video_list, 6)
  t.equal((await userInfo(emu.url, withVideos.access_token, 'open_id')).status, 200, 'the same token reads user info')
})

t.test('the paths without the trailing slash; %2C in fields', async (t) => {
  const emu = await start(t)
  const { access_token: token } = await login(emu, VIDEO_SCOPES)
  const list = await postApi(`${emu.url}/v2/video/list?fields=id%2Ctitle`, token, { max_count: 2 })
  t.equal(list.status, 200)
  t.same(Object.keys(data(list).videos[0] ?? {}).sort(), ['id', 'title'])
  const id = String(data(list).videos[0]?.id)
  const query = await postApi(`${emu.url}/v2/video/query?fields=id`, token, { filters: { video_ids: [id] } })
  t.equal(query.status, 200)
  t.same(data(query).videos, [{ id }])
})
