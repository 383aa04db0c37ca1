import { readFileSync } from 'node:fs'
import t from 'tap'
import { FIELDS, SCOPES, VIDEO_FIELDS, fieldsOfScope, isField, isScope, isVideoField } from '../../src/scopes/catalogue.js'
import { fieldsFor, pickUser, pickVideo, videoFieldsFor } from '../../src/scopes/select.js'
import { auth, build, login } from '../helper.js'

// The catalogues drive everything: every field, user and video, is walked through selection,
// the committed OpenAPI document and GET /scopes, so a field added to a catalogue and missed
// anywhere fails here.

interface Property { description?: string, 'x-tiktok-scope'?: string, type?: string, format?: string }
interface Doc { paths: Record<string, Record<string, { parameters?: Array<{ name: string, schema?: { 'x-enum-values'?: string[] } }>, responses: Record<string, { content?: Record<string, { schema: { properties: { data: { properties: Record<string, { properties?: Record<string, Property>, items?: { properties: Record<string, Property> } }> } } } }> }> }>> }
const doc = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as Doc
const ok200 = (path: string) => doc.paths[path]?.get?.responses['200']?.content?.['application/json']?.schema.properties.data.properties

const sample = (type: string): unknown => type === 'boolean' ? true : type === 'string' ? 'text' : '42'

t.test('the catalogues: 6 scopes, 14 user fields, 15 video fields, each named once', async (t) => {
  t.equal(SCOPES.length, 6)
  t.equal(FIELDS.length, 14)
  t.equal(VIDEO_FIELDS.length, 15)
  t.equal(new Set(FIELDS.map((f) => f.field)).size, 14)
  t.equal(new Set(VIDEO_FIELDS.map((f) => f.field)).size, 15)
  t.notOk(isField('email'))
  t.notOk(isScope('user.info.email'))
  t.same(fieldsOfScope('video.list'), [], '/scopes lists user fields only')
})

t.test('every user field: selected by its scope alone, typed as the catalogue says, documented with its scope and both texts', async (t) => {
  const user = ok200('/me')?.user?.properties ?? {}
  const param = doc.paths['/me']?.get?.parameters?.find((p) => p.name === 'fields')
  for (const f of FIELDS) {
    t.ok(isField(f.field) && isScope(f.scope), `${f.field}: a known field of a known scope`)
    t.same(fieldsFor(f.field, [f.scope]), [f.field], `${f.field}: allowed by ${f.scope}`)
    t.ok(fieldsFor(undefined, [f.scope]).includes(f.field), `${f.field}: among the defaults of ${f.scope}`)
    const others = SCOPES.map((s) => s.scope).filter((s) => s !== f.scope)
    t.throws(() => fieldsFor(f.field, others), { code: 'scope_not_authorized', message: new RegExp(f.scope.replace(/\./g, '\\.')) }, `${f.field}: refused without ${f.scope}`)
    const picked = pickUser({ [f.field]: sample(f.type) }, [f.field])
    t.equal(typeof picked[f.field], f.type === 'int64' ? 'number' : f.type, `${f.field}: copied as ${f.type}`)
    t.equal(user[f.field]?.['x-tiktok-scope'], f.scope, `${f.field}: x-tiktok-scope in the OpenAPI`)
    t.equal(user[f.field]?.description, `${f.en}\n${f.th}`, `${f.field}: English then Thai`)
    t.ok(param?.schema?.['x-enum-values']?.includes(f.field), `${f.field}: a value of /me's fields parameter`)
  }
  t.same(Object.keys(user).sort(), FIELDS.map((f) => f.field).sort(), 'the OpenAPI user has no other field')
})

t.test('every video field: needs video.list, typed as the catalogue says, documented with its scope and both texts', async (t) => {
  const video = ok200('/me/videos')?.videos?.items?.properties ?? {}
  const param = doc.paths['/me/videos']?.get?.parameters?.find((p) => p.name === 'fields')
  for (const f of VIDEO_FIELDS) {
    t.ok(isVideoField(f.field), f.field)
    t.equal(f.scope, 'video.list')
    t.same(videoFieldsFor(f.field, ['video.list']), [f.field], `${f.field}: allowed by video.list`)
    t.ok(videoFieldsFor(undefined, ['video.list']).includes(f.field), `${f.field}: among the defaults`)
    t.throws(() => videoFieldsFor(f.field, ['user.info.basic']), { code: 'scope_not_authorized', message: /video\.list/ }, `${f.field}: refused without video.list`)
    const picked = pickVideo({ [f.field]: sample(f.type) }, [f.field])
    t.equal(typeof picked[f.field], f.type.startsWith('int') ? 'number' : f.type, `${f.field}: copied as ${f.type}`)
    t.equal(video[f.field]?.['x-tiktok-scope'], 'video.list', `${f.field}: x-tiktok-scope in the OpenAPI`)
    t.equal(video[f.field]?.description, `${f.en}\n${f.th}`, `${f.field}: English then Thai`)
    if (f.type.startsWith('int')) t.equal(video[f.field]?.format, f.type, `${f.field}: format ${f.type}`)
    t.ok(param?.schema?.['x-enum-values']?.includes(f.field), `${f.field}: a value of /me/videos' fields parameter`)
  }
  t.same(Object.keys(video).sort(), VIDEO_FIELDS.map((f) => f.field).sort(), 'the OpenAPI video has no other field')
})

t.test('GET /scopes lists every scope in order, with its user fields and both texts', async (t) => {
  const ctx = await build(t)
  const en = (await ctx.app.inject({ url: '/scopes' })).json().data.scopes
  const th = (await ctx.app.inject({ url: '/scopes', headers: { 'accept-language': 'th' } })).json().data.scopes
  t.same(en.map((s: { scope: string }) => s.scope), SCOPES.map((s) => s.scope))
  SCOPES.forEach((s, i) => {
    t.same(en[i].fields, fieldsOfScope(s.scope), `${s.scope}: its fields`)
    t.same(en[i].descriptions, { en: s.en, th: s.th }, `${s.scope}: both texts`)
    t.equal(en[i].description, s.en)
    t.equal(th[i].description, s.th, `${s.scope}: Thai when preferred`)
  })
  t.same(en.flatMap((s: { fields: string[] }) => s.fields).sort(), FIELDS.map((f) => f.field).sort(), 'every user field under exactly one scope')
})

t.test('a session granted one scope gets exactly that scope\'s fields from /me', async (t) => {
  const ctx = await build(t)
  for (const scope of ['user.info.basic', 'user.info.profile', 'user.info.stats']) {
    const { token } = await login(ctx, { appScope: scope, scopes: [scope] })
    const user = (await ctx.app.inject({ url: '/me', headers: auth(token) })).json().data.user
    const expected = fieldsOfScope(scope).filter((f) => f !== 'bio_description' || 'bio_description' in user)
    t.same(Object.keys(user).sort(), [...expected].sort(), `${scope}: its fields, nothing else`)
  }
})
