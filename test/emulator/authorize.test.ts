import t from 'tap'
import { SCOPES } from '../../src/scopes/catalogue.js'
import { SAMPLE_USERS } from '../../src/emulator/index.js'
import {
  LOG_ID, REDIRECT_URI, authorizeQuery, authorizeUrl, exchange, get, pkce, postForm, start, type Answer
} from './fixtures/client.js'

const unescape = (s: string): string => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))

function hiddenInputs (page: string): Record<string, string> {
  const inputs: Record<string, string> = {}
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    inputs[unescape(m[1] ?? '')] = unescape(m[2] ?? '')
  }
  return inputs
}

type Test = Parameters<Parameters<typeof t.test>[0]>[0]

function assertErrorPage (t: Test, res: Answer, why: string): void {
  t.equal(res.status, 400, `${why}: 400`)
  t.equal(res.headers.location, undefined, `${why}: no redirect`)
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/, `${why}: HTML`)
}

t.test('bad authorize requests get an HTML error page and no redirect', async (t) => {
  const emu = await start(t)
  const cases: Array<[string, Record<string, string | undefined>]> = [
    ['wrong client_key', { client_key: 'nope' }],
    ['client_id instead of client_key', { client_key: undefined, client_id: 'emulator-client-key' }],
    ['response_type token', { response_type: 'token' }],
    ['relative redirect_uri', { redirect_uri: '/callback' }],
    ['redirect_uri with fragment', { redirect_uri: `${REDIRECT_URI}#frag` }],
    ['ftp redirect_uri', { redirect_uri: 'ftp://example.com/cb' }],
    ['unknown scope', { scope: 'user.info.basic,user.info.email' }],
    ['space-separated scopes', { scope: 'user.info.basic user.info.stats' }],
    ['missing challenge', { code_challenge: undefined }],
    ['upper-case hex challenge', { code_challenge: pkce('hex').challenge.toUpperCase() }],
    ['too short challenge', { code_challenge: 'abc123' }],
    ['plain method', { code_challenge_method: 'plain' }]
  ]
  for (const [why, overrides] of cases) assertErrorPage(t, await get(authorizeUrl(emu.url, overrides)), why)
  const page = await get(authorizeUrl(emu.url, { client_key: '<b>x</b>' }))
  t.notMatch(page.text, '<b>x</b>', 'nothing echoed unescaped')
})

t.test('only registered redirect URIs when a list is configured', async (t) => {
  const emu = await start(t, { redirectUris: [REDIRECT_URI] })
  t.equal((await get(authorizeUrl(emu.url))).status, 200)
  assertErrorPage(t, await get(authorizeUrl(emu.url, { redirect_uri: `${REDIRECT_URI}/` })), 'trailing slash differs')
  assertErrorPage(t, await get(authorizeUrl(emu.url, { redirect_uri: 'https://evil.example/cb' })), 'other host')
})

t.test('PKCE modes: either takes hex and base64url, hex takes only hex', async (t) => {
  const either = await start(t)
  const hexOnly = await start(t, { pkce: 'hex' })
  t.equal((await get(authorizeUrl(either.url, { code_challenge: pkce('hex').challenge }))).status, 200)
  t.equal((await get(authorizeUrl(either.url, { code_challenge: pkce('base64url').challenge }))).status, 200)
  t.equal((await get(authorizeUrl(either.url, { code_challenge_method: undefined }))).status, 200, 'the SDKs send no method')
  t.equal((await get(authorizeUrl(hexOnly.url, { code_challenge: pkce('hex').challenge }))).status, 200)
  assertErrorPage(t, await get(authorizeUrl(hexOnly.url, { code_challenge: pkce('base64url').challenge })), 'base64url in hex mode')
})

t.test('the consent page lists users, the requested scopes in English and Thai, Approve and Deny', async (t) => {
  const emu = await start(t)
  const scopes = ['user.info.basic', 'user.info.stats']
  const res = await get(authorizeUrl(emu.url, { scope: scopes.join(','), state: '<script>"x' }))
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/)
  t.match(res.headers['x-tt-logid'], LOG_ID)
  for (const entry of SCOPES) {
    const listed = res.text.includes(`name="scopes" value="${entry.scope}" checked`)
    t.equal(listed, scopes.includes(entry.scope), `${entry.scope} listed only if requested`)
    if (scopes.includes(entry.scope)) {
      t.ok(res.text.includes(entry.th), `${entry.scope} Thai text`)
      t.ok(res.text.includes(unescape(entry.en)) || res.text.includes(entry.en.replace(/'/g, '&#39;')), `${entry.scope} English text`)
    }
  }
  const radios = [...res.text.matchAll(/<input type="radio" name="user" value="([^"]+)"( checked)?>/g)]
  t.ok(radios.length >= 3 && radios.length <= 4, '3 to 4 users')
  t.equal(radios[0]?.[2], ' checked', 'first user checked')
  t.equal(radios.filter((r) => r[2] !== undefined).length, 1)
  t.ok(SAMPLE_USERS.some((u) => /[\u0E00-\u0E7F]/.test(u.display_name)) && SAMPLE_USERS.some((u) => /^[\x20-\x7E]+$/.test(u.display_name)),
    'Thai and English display names')
  t.ok(res.text.includes('<button type="submit" name="action" value="approve">Approve</button>'))
  t.ok(res.text.includes('<button type="submit" name="action" value="deny">Deny</button>'))
  t.notOk(res.text.includes('<script>'), 'state is escaped')
  t.equal(hiddenInputs(res.text).state, '<script>"x', 'state carried unchanged')
})

async function consent (url: string, query: Record<string, string>, choice: Record<string, string | string[]>): Promise<Answer> {
  const page = await get(`${url}/v2/auth/authorize/?${new URLSearchParams(query).toString()}`)
  return postForm(`${url}/v2/auth/authorize/`, { ...hiddenInputs(page.text), ...choice })
}

t.test('approve redirects with code, granted scopes and state; the code exchanges', async (t) => {
  const emu = await start(t)
  const { verifier, challenge } = pkce('hex')
  const user = SAMPLE_USERS[1]!
  const res = await consent(emu.url, authorizeQuery({ code_challenge: challenge }), {
    user: user.id, action: 'approve', scopes: ['user.info.basic', 'user.info.profile', 'user.info.stats']
  })
  t.equal(res.status, 302)
  const location = String(res.headers.location)
  t.ok(location.startsWith(`${REDIRECT_URI}?`), 'back to the redirect URI, query appended')
  const q = new URL(location).searchParams
  t.equal(q.get('scopes'), 'user.info.basic,user.info.profile,user.info.stats')
  t.equal(q.get('state'), 'st4te')
  t.equal(q.get('error'), null)
  const token = await exchange(emu.url, { code: q.get('code') ?? '', code_verifier: verifier })
  t.equal(token.status, 200)
  t.equal(token.json.open_id, user.open_id, 'signed in as the chosen user')
  t.equal(emu.controls.counts.authorize, 2, 'page and form both counted')
})

t.test('partial consent grants only the ticked scopes; none ticked is a denial', async (t) => {
  const emu = await start(t)
  const { verifier, challenge } = pkce('base64url')
  const res = await consent(emu.url, authorizeQuery({ code_challenge: challenge, state: undefined }), {
    user: SAMPLE_USERS[0]!.id, action: 'approve', scopes: 'user.info.basic'
  })
  const q = new URL(String(res.headers.location)).searchParams
  t.equal(q.get('scopes'), 'user.info.basic')
  t.notOk(q.has('state'), 'no state when none was sent')
  const token = await exchange(emu.url, { code: q.get('code') ?? '', code_verifier: verifier })
  t.equal(token.json.scope, 'user.info.basic', 'the token carries the granted scopes only')

  const none = await consent(emu.url, authorizeQuery(), { user: SAMPLE_USERS[0]!.id, action: 'approve' })
  t.equal(new URL(String(none.headers.location)).searchParams.get('error'), 'access_denied')
})

t.test('deny redirects with access_denied and state', async (t) => {
  const emu = await start(t)
  const res = await consent(emu.url, authorizeQuery({ state: 'a b&c' }), { user: SAMPLE_USERS[0]!.id, action: 'deny', scopes: 'user.info.basic' })
  t.equal(res.status, 302)
  const q = new URL(String(res.headers.location)).searchParams
  t.equal(q.get('error'), 'access_denied')
  t.ok((q.get('error_description') ?? '').length > 0)
  t.equal(q.get('state'), 'a b&c')
  t.notOk(q.has('code'))
})

t.test('the form post is validated again', async (t) => {
  const emu = await start(t)
  const page = await get(authorizeUrl(emu.url))
  const hidden = hiddenInputs(page.text)
  const tampered = await postForm(`${emu.url}/v2/auth/authorize/`, { ...hidden, redirect_uri: 'https://evil.example/cb#x', action: 'approve', user: 'somchai', scopes: 'user.info.basic' })
  assertErrorPage(t, tampered, 'tampered redirect_uri')
  const noUser = await postForm(`${emu.url}/v2/auth/authorize/`, { ...hidden, action: 'approve', user: 'nobody', scopes: 'user.info.basic' })
  assertErrorPage(t, noUser, 'unknown user')
})

t.test('the path without the trailing slash works too', async (t) => {
  const emu = await start(t)
  const res = await get(authorizeUrl(emu.url).replace('/authorize/?', '/authorize?'))
  t.equal(res.status, 200)
  t.ok(res.text.includes('action="/v2/auth/authorize"'), 'the form posts back to the same path')
})
