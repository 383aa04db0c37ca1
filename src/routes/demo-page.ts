// The demo app page (development mode only). Plain HTML and a little script: it does what a
// mobile app does with this service — RFC 7636 PKCE pair, login redirect, state check,
// handoff redemption, GET /me, logout — so the whole flow can be tried in a browser.

export function demoPage (baseUrl: string): string {
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
img { border-radius: 50%; vertical-align: middle; margin-right: 1rem; }
.error { color: #b00020; }
</style>
</head>
<body>
<h1>tiktok-bff demo app</h1>
<p>This page plays a mobile app: it never sees a TikTok token, only this service's session token.</p>
<div id="out"></div>
<script>
const REDIRECT_URI = ${JSON.stringify(redirectUri)}
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
  const q = new URLSearchParams({ redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256', state })
  location.assign('/auth/tiktok/login?' + q)
}

async function me () {
  const token = sessionStorage.getItem('token')
  const res = await fetch('/me', { headers: { authorization: 'Bearer ' + token } })
  const body = await res.json()
  if (res.status === 401) { sessionStorage.removeItem('token'); return start('Your session ended: sign in again.') }
  if (body.error.code !== 'ok') return show('<p class="error">' + text(body.error.code + ': ' + body.error.message) + '</p>')
  const u = body.data.user
  show('<p id="profile">' + (u.avatar_url ? '<img width="64" height="64" alt="" src="' + text(u.avatar_url) + '">' : '') +
    'Signed in as <strong id="display-name">' + text(u.display_name ?? u.open_id ?? '(no basic scope)') + '</strong></p>' +
    '<pre id="user">' + text(JSON.stringify(u, null, 2)) + '</pre>' +
    '<button class="secondary" id="logout">Log out</button>')
  document.getElementById('logout').onclick = logout
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
