// The demo app page (development mode only). Plain HTML and a little script: it does what a
// mobile app does with this service — RFC 7636 PKCE pair, login redirect, state check,
// handoff redemption, GET /me, GET /me/videos page by page, logout — so the whole flow can be
// tried in a browser. "Remove access in TikTok" is the emulator's own page (TikTok's app
// settings, in real life): it sends the signed webhook that ends the session here.

/** The scopes the demo asks for: every one that unlocks data this service serves. */
export const DEMO_SCOPES = 'user.info.basic,user.info.profile,user.info.stats,video.list'

export function demoPage (baseUrl: string, tiktokUrl: string): string {
  const redirectUri = `${baseUrl}/demo/`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tiktok-bff demo app</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #161823; }
button { font-size: 1rem; padding: .6rem 1.2rem; border-radius: .4rem; border: 0; background: #fe2c55; color: #fff; cursor: pointer; }
button.secondary { background: #eee; color: #161823; }
pre { background: #f6f6f6; padding: 1rem; overflow: auto; border-radius: .4rem; }
img.avatar { border-radius: 50%; vertical-align: middle; margin-right: 1rem; }
#videos { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: .8rem; }
#videos img { width: 100%; border-radius: .4rem; }
#videos .title { font-size: .9rem; margin: .3rem 0 0; }
#videos .counts { font-size: .8rem; color: #666; }
form.inline { display: inline; }
.error { color: #b00020; }
</style>
</head>
<body>
<h1>tiktok-bff demo app</h1>
<p>This page plays a mobile app: it never sees a TikTok token, only this service's session token.</p>
<div id="out"></div>
<script>
const REDIRECT_URI = ${JSON.stringify(redirectUri)}
const TIKTOK = ${JSON.stringify(tiktokUrl)}
const SCOPES = ${JSON.stringify(DEMO_SCOPES)}
const out = document.getElementById('out')
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '')
const random = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)))
function show (html) { out.innerHTML = html }
function text (s) { const d = document.createElement('div'); d.textContent = String(s); return d.innerHTML }

async function login () {
  const verifier = random(32)
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)))
  const state = random(16)
  sessionStorage.setItem('pkce', JSON.stringify({ verifier, state }))
  const q = new URLSearchParams({ redirect_uri: REDIRECT_URI, scope: SCOPES, code_challenge: challenge, code_challenge_method: 'S256', state })
  location.assign('/auth/tiktok/login?' + q)
}

async function me () {
  const token = sessionStorage.getItem('token')
  const res = await fetch('/me', { headers: { authorization: 'Bearer ' + token } })
  const body = await res.json()
  if (res.status === 401) { sessionStorage.removeItem('token'); return start('Your session ended: sign in again.') }
  if (body.error.code !== 'ok') return show('<p class="error">' + text(body.error.code + ': ' + body.error.message) + '</p>')
  const u = body.data.user
  show('<p id="profile">' + (u.avatar_url ? '<img class="avatar" width="64" height="64" alt="" src="' + text(u.avatar_url) + '">' : '') +
    'Signed in as <strong id="display-name">' + text(u.display_name ?? u.open_id ?? '(no basic scope)') + '</strong></p>' +
    '<pre id="user">' + text(JSON.stringify(u, null, 2)) + '</pre>' +
    '<h2>Videos</h2><ul id="videos"></ul><p id="videos-status"></p><button class="secondary" id="more" hidden>More</button>' +
    '<p><button class="secondary" id="logout">Log out</button> ' +
    '<form class="inline" method="post" action="' + text(TIKTOK + '/remove-access') + '">' +
    '<input type="hidden" name="open_id" value="' + text(sessionStorage.getItem('open_id') || '') + '">' +
    '<input type="hidden" name="return_to" value="' + text(REDIRECT_URI + '?removed=1') + '">' +
    '<button class="secondary" id="remove-access">Remove access in TikTok</button></form></p>')
  document.getElementById('logout').onclick = logout
  document.getElementById('more').onclick = () => videos(document.getElementById('more').dataset.cursor)
  await videos()
}

async function videos (cursor) {
  const token = sessionStorage.getItem('token')
  const q = new URLSearchParams({ fields: 'id,title,cover_image_url,share_url,view_count,like_count,comment_count', max_count: '6' })
  if (cursor) q.set('cursor', cursor)
  const res = await fetch('/me/videos?' + q, { headers: { authorization: 'Bearer ' + token } })
  const body = await res.json()
  const status = document.getElementById('videos-status')
  const more = document.getElementById('more')
  if (body.error.code !== 'ok') {
    more.hidden = true
    status.textContent = body.error.code === 'scope_not_authorized' ? 'Not shared: you did not grant video.list.' : body.error.code + ': ' + body.error.message
    return
  }
  const list = document.getElementById('videos')
  for (const v of body.data.videos) {
    const li = document.createElement('li')
    li.className = 'video'
    li.innerHTML = '<a href="' + text(v.share_url) + '" rel="noreferrer"><img alt="" src="' + text(v.cover_image_url) + '"></a>' +
      '<p class="title">' + text(v.title || '(untitled)') + '</p>' +
      '<p class="counts">' + text(v.view_count + ' views · ' + v.like_count + ' likes · ' + v.comment_count + ' comments') + '</p>'
    list.append(li)
  }
  status.textContent = list.children.length + ' videos' + (body.data.has_more ? '' : ', all shown')
  more.hidden = !body.data.has_more
  more.dataset.cursor = String(body.data.cursor)
}

async function logout () {
  const token = sessionStorage.getItem('token')
  await fetch('/auth/logout', { method: 'POST', headers: { authorization: 'Bearer ' + token } })
  sessionStorage.removeItem('token')
  start('Logged out.')
}

function start (message) {
  show((message ? '<p>' + text(message) + '</p>' : '') + '<button id="login">Sign in with TikTok</button>')
  document.getElementById('login').onclick = login
}

async function main () {
  const params = new URLSearchParams(location.search)
  history.replaceState(null, '', location.pathname) // the handoff code leaves the address bar
  const pending = JSON.parse(sessionStorage.getItem('pkce') || 'null')
  if (params.has('removed')) {
    // Back from TikTok's "Remove access": TikTok's webhook has ended the session by now.
    const res = await fetch('/me?fields=open_id', { headers: { authorization: 'Bearer ' + (sessionStorage.getItem('token') || '') } })
    if (res.status === 401) sessionStorage.removeItem('token')
    return start(res.status === 401 ? 'Access removed in TikTok: your session has ended.' : 'Access removal did not end the session (status ' + res.status + ').')
  }
  if (params.has('error')) {
    sessionStorage.removeItem('pkce')
    return start('Login did not complete: ' + params.get('error') + ' — ' + (params.get('error_description') || ''))
  }
  if (params.has('code')) {
    sessionStorage.removeItem('pkce')
    if (!pending || pending.state !== params.get('state')) return start('The login state does not match: start again.')
    const res = await fetch('/auth/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: params.get('code'), code_verifier: pending.verifier }) })
    const body = await res.json()
    if (res.status !== 201) return start('Could not redeem the code: ' + body.error.message)
    sessionStorage.setItem('token', body.data.session.token)
    sessionStorage.setItem('open_id', body.data.session.open_id)
  }
  if (sessionStorage.getItem('token')) return me()
  start()
}
main().catch((err) => show('<p class="error">' + text(err) + '</p>'))
</script>
</body>
</html>
`
}
