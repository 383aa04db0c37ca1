import t from 'tap'
import { auth, build, login, type Ctx } from '../helper.js'
import { SAMPLE_USERS } from '../../src/emulator/index.js'
import { videosOf } from '../../src/emulator/videos.js'
import { VIDEO_FIELD_NAMES } from '../../src/scopes/catalogue.js'

// GET /me/videos: TikTok's video list and query behind the session, as /me is for the profile.

const SOMCHAI = SAMPLE_USERS[0] as { open_id: string }
const VIDEO_SCOPES = 'user.info.basic,video.list'

const videos = (ctx: Ctx, token: string, query = '') => ctx.app.inject({ url: `/me/videos${query}`, headers: auth(token) })
const signIn = async (ctx: Ctx) => (await login(ctx, { appScope: VIDEO_SCOPES, openId: SOMCHAI.open_id })).token

t.test('paging through the user\'s videos gives every video once, newest first; short pages are passed on', async (t) => {
  const ctx = await build(t)
  const token = await signIn(ctx)
  const expected = videosOf(SOMCHAI.open_id).filter((v) => !v.underReview).map((v) => v.id)
  const seen: string[] = []
  let cursor: number | undefined
  let shortWithMore = false
  for (let page = 0; page < 20; page++) {
    const res = await videos(ctx, token, `?max_count=7${cursor === undefined ? '' : `&cursor=${cursor}`}`)
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.equal(body.error.code, 'ok')
    t.equal(res.headers['cache-control'], 'private, no-cache')
    t.ok(res.headers.etag, 'an ETag over data')
    t.ok(res.headers['x-tiktok-log-id'], 'TikTok\'s log_id is passed on')
    t.ok(body.data.videos.length <= 7)
    for (const v of body.data.videos) seen.push(v.id)
    if (body.data.has_more && body.data.videos.length < 7) shortWithMore = true
    t.ok(Number.isSafeInteger(body.data.cursor), 'cursor is an integer')
    if (!body.data.has_more) break
    cursor = body.data.cursor
  }
  t.same(seen, expected, 'every visible video exactly once, newest first')
  t.ok(shortWithMore, 'a short page with has_more true was passed on as it was')
})

t.test('defaults: every video field, 10 per page; counts are integers; absent values omitted', async (t) => {
  const ctx = await build(t)
  const token = await signIn(ctx)
  const res = await videos(ctx, token)
  const first = res.json().data.videos[0]
  t.same(Object.keys(first).sort(), [...VIDEO_FIELD_NAMES].sort(), 'every field of the catalogue')
  for (const f of ['create_time', 'duration', 'height', 'width', 'like_count', 'comment_count', 'share_count', 'view_count']) {
    t.ok(Number.isInteger(first[f]), `${f} is an integer`)
  }
  t.ok(res.json().data.videos.length <= 10)
  const chosen = await videos(ctx, token, '?fields=id,title')
  t.same(Object.keys(chosen.json().data.videos[0]).sort(), ['id', 'title'], 'exactly the requested fields')
})

t.test('?ids= goes through TikTok\'s video query', async (t) => {
  const ctx = await build(t)
  const token = await signIn(ctx)
  const ids = videosOf(SOMCHAI.open_id).filter((v) => !v.underReview).slice(3, 6).map((v) => v.id)
  const before = ctx.emulator.controls.counts
  const res = await videos(ctx, token, `?ids=${ids.join(',')}&fields=id,cover_image_url`)
  t.equal(res.statusCode, 200)
  t.same(res.json().data.videos.map((v: { id: string }) => v.id).sort(), [...ids].sort())
  const after = ctx.emulator.controls.counts
  t.equal(after.video_query - before.video_query, 1, 'the query endpoint was called')
  t.equal(after.video_list - before.video_list, 0, 'the list endpoint was not')
})

t.test('bad input is a 400 naming it, and TikTok is not called', async (t) => {
  const ctx = await build(t)
  const token = await signIn(ctx)
  const cases: Array<[string, RegExp]> = [
    ['?max_count=0', /max_count/],
    ['?max_count=21', /max_count/],
    ['?max_count=ten', /max_count/],
    ['?cursor=-1', /cursor/],
    ['?fields=id,email', /"email"/],
    ['?ids=1,2&cursor=5', /ids/],
    ['?ids=1&max_count=5', /ids/],
    [`?ids=${Array.from({ length: 21 }, (_v, i) => String(i + 1)).join(',')}`, /1 to 20/],
    ['?ids=a%20b', /ids/],
    ['?page=2', /page/]
  ]
  const before = ctx.emulator.controls.counts
  for (const [query, names] of cases) {
    const res = await videos(ctx, token, query)
    t.equal(res.statusCode, 400, query)
    t.equal(res.json().error.code, 'invalid_params', query)
    t.match(res.json().error.message, names, `${query}: the message names it`)
  }
  const after = ctx.emulator.controls.counts
  t.equal(after.video_list + after.video_query, before.video_list + before.video_query, 'TikTok was never called')
})

t.test('without video.list: 403 naming it, and TikTok is not called', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx, { appScope: VIDEO_SCOPES, scopes: ['user.info.basic'] })
  for (const query of ['', '?ids=1', '?fields=id']) {
    const res = await videos(ctx, token, query)
    t.equal(res.statusCode, 403, query)
    t.equal(res.json().error.code, 'scope_not_authorized')
    t.match(res.json().error.message, /video\.list/)
  }
  t.equal(ctx.emulator.controls.counts.video_list + ctx.emulator.controls.counts.video_query, 0)
})

t.test('no session: 401; TikTok\'s faults map as on /me; the access token is refreshed when due', async (t) => {
  const ctx = await build(t)
  t.equal((await ctx.app.inject({ url: '/me/videos' })).statusCode, 401)
  const token = await signIn(ctx)
  ctx.emulator.controls.forceNext('video_list', { status: 500, raw: '<html>oops' })
  const broken = await videos(ctx, token)
  t.equal(broken.statusCode, 502)
  t.equal(broken.json().error.code, 'upstream_error')
  ctx.emulator.controls.forceNext('video_list', { status: 429, headers: { 'retry-after': '9' }, raw: '' })
  const limited = await videos(ctx, token)
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['retry-after'], '9')
  ctx.emulator.controls.expireAccessTokens()
  t.equal((await videos(ctx, token)).statusCode, 200, 'refreshed once TikTok refused the expired token')
  t.equal(ctx.emulator.controls.counts.token_refresh, 1)
})

t.test('RATE_LIMIT_ME_PER_MINUTE applies to /me/videos', async (t) => {
  const ctx = await build(t, { env: { RATE_LIMIT_ME_PER_MINUTE: '1' } })
  const token = await signIn(ctx)
  t.equal((await videos(ctx, token, '?fields=id')).statusCode, 200)
  t.equal((await videos(ctx, token, '?fields=id')).statusCode, 429)
})
