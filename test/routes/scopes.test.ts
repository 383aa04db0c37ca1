import t from 'tap'
import { build } from '../helper.js'

// GET /scopes against TikTok's scopes as its consent screen shows them, in English and Thai, and
// the user fields each one grants (https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info):
// written out here byte for byte, not read from the catalogue the route serves, in TikTok's order.

const SEED = [
  { scope: 'user.info.basic', en: 'Access your profile info (avatar and display name)', th: 'เข้าถึงข้อมูลโปรไฟล์ของคุณ (รูปประจำตัวและชื่อที่แสดง)', fields: ['open_id', 'union_id', 'avatar_url', 'avatar_url_100', 'avatar_large_url', 'display_name'] },
  { scope: 'user.info.profile', en: 'Read additional profile info (bio, profile link, verified status)', th: 'อ่านข้อมูลโปรไฟล์เพิ่มเติมของคุณ เช่น คำอธิบายประวัติ ลิงก์โปรไฟล์ และสถานะการตรวจสอบยืนยันบัญชี', fields: ['bio_description', 'profile_deep_link', 'is_verified', 'username'] },
  { scope: 'artist.certification.read', en: 'Read your artist certification info', th: 'อ่านข้อมูลการรับรองศิลปินบนพื้นฐานของคุณ เช่น สถานะการรับรองศิลปิน', fields: [] },
  { scope: 'artist.certification.update', en: 'Update your artist certification info', th: 'อัปเดตข้อมูลการรับรองศิลปินของคุณ', fields: [] },
  { scope: 'video.list', en: 'Read your public videos on TikTok', th: 'อ่านวิดีโอสาธารณะของคุณบน TikTok', fields: [] },
  { scope: 'user.info.stats', en: 'Read your user statistics (follower count, following count, likes count, video count)', th: 'อ่านข้อมูลสถิติผู้ใช้ของคุณ เช่น จำนวนผู้ติดตาม จำนวนผู้ติดตาม จำนวนการกดไลก์ และจำนวนวิดีโอ', fields: ['follower_count', 'following_count', 'likes_count', 'video_count'] }
]

const expected = (lang: 'en' | 'th') => SEED.map((s) => ({ scope: s.scope, description: s[lang], descriptions: { en: s.en, th: s.th }, fields: s.fields }))

t.test('TikTok\'s six scopes, in order, with both texts byte for byte and their fields', async (t) => {
  const ctx = await build(t)
  const res = await ctx.app.inject({ url: '/scopes' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json; charset=utf-8$/)
  const body = res.json()
  t.equal(body.error.code, 'ok')
  t.equal(body.error.message, '')
  t.same(Object.keys(body.data), ['scopes'])
  t.strictSame(body.data.scopes, expected('en'))
  t.same(body.data.scopes.map((s: { scope: string }) => s.scope), SEED.map((s) => s.scope), 'TikTok\'s order')
  for (const s of SEED) {
    // The exact UTF-8 bytes on the wire: no escaping, no normalisation.
    t.ok(res.rawPayload.includes(Buffer.from(JSON.stringify(s.th), 'utf8')), `${s.scope} Thai bytes`)
    t.ok(res.rawPayload.includes(Buffer.from(JSON.stringify(s.en), 'utf8')), `${s.scope} English bytes`)
  }
  t.equal(res.headers['content-language'], 'en')
  t.match(res.headers.vary, /Accept-Language/i)
  t.equal(ctx.emulator.controls.counts.user_info + ctx.emulator.controls.counts.token, 0, 'public: TikTok is not asked')
})

t.test('Accept-Language: Thai first when Thai is preferred; both always under descriptions', async (t) => {
  const ctx = await build(t)
  const cases: Array<[string | undefined, 'en' | 'th']> = [
    [undefined, 'en'],
    ['th', 'th'],
    ['th-TH', 'th'],
    ['TH-th', 'th'],
    ['en;q=0.5, th', 'th'],
    ['fr, th;q=0.9, en;q=0.8', 'th'],
    ['en', 'en'],
    ['en-US,en;q=0.9', 'en'],
    ['th;q=0.3, en', 'en'],
    ['fr', 'en'],
    ['*', 'en'],
    ['', 'en']
  ]
  for (const [header, lang] of cases) {
    const res = await ctx.app.inject({ url: '/scopes', headers: header === undefined ? {} : { 'accept-language': header } })
    t.equal(res.statusCode, 200, String(header))
    t.strictSame(res.json().data.scopes, expected(lang), `${String(header)} → ${lang}`)
    t.equal(res.headers['content-language'], lang)
    for (const s of res.json().data.scopes as Array<{ descriptions: Record<string, string> }>) {
      t.same(Object.keys(s.descriptions).sort(), ['en', 'th'])
    }
  }
})
