import t from 'tap'
import { APP_REDIRECT, testEnv } from '../helper.js'
import { ConfigError, loadConfig } from '../../src/config/index.js'
import { isAllowedAppRedirectUri } from '../../src/config/parse.js'

// At start-up, each APP_REDIRECT_URIS entry is an https URI, a reverse-DNS
// private-use scheme or an http loopback URI (RFC 8252 §7), with no userinfo or fragment, and
// written exactly as a URL parser writes it back: the comparison is exact and the redirect goes
// to the parsed form, so an entry must not read one way and redirect another (RFC 9700 §4.1.3).

t.test('start-up: APP_REDIRECT_URIS entries are checked one by one, and a bad one is never echoed', async (t) => {
  const allowed = ['https://app.example.com/oauth/callback', 'https://app.example.com', 'https://app.example.com/cb?x=1', 'com.example.app:/oauth',
    'com.example.app://oauth', 'http://127.0.0.1:8080/cb', 'http://[::1]:8080/cb', 'http://localhost:8080/cb', 'https://203.0.113.7/cb']
  const refused = ['http://app.example.com/cb', 'javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'vbscript:x',
    'https://user:pw@app.example.com/cb', 'https://user@app.example.com/cb', 'https://app.example.com/cb#x', 'https://app.example.com/cb#', 'myapp:/cb',
    '/cb', '//app.example.com/cb', 'https://', 'ftp://x.example/cb', 'ws://127.0.0.1/cb', 'http://127.0.0.1.evil.com/cb', 'http://localhost.evil.com/cb',
    'https:evil.com', 'https:/app.example.com/cb', 'https:\\\\app.example.com\\cb', 'HTTPS://app.example.com/cb', 'https://APP.example.com/cb',
    'https://app.example.com:443/cb', 'https://*.example.com/cb', 'https://app.example.com/c b', 'https://app.example.com/cb\u0000',
    'http://0x7f.1/cb', 'http://127.1/cb', 'http://%6c%6fcalhost/cb', 'http://[::ffff:127.0.0.1]/cb', 'about:blank', 'blob:https://app.example.com/x',
    'intent://x#Intent;end', 'https://b\u00fccher.example/cb']
  for (const uri of allowed) t.ok(isAllowedAppRedirectUri(uri), `allowed: ${uri}`)
  for (const uri of refused) t.notOk(isAllowedAppRedirectUri(uri), `refused: ${JSON.stringify(uri)}`)
  for (const uri of refused.filter((u) => !u.includes(',') && u.trim() === u && u !== '')) {
    const err = t.throws(() => loadConfig(testEnv('http://127.0.0.1:4010', { APP_REDIRECT_URIS: `${APP_REDIRECT},${uri}` })), ConfigError) as ConfigError
    t.equal(err.variable, 'APP_REDIRECT_URIS')
    if (uri.length > 8) t.notOk(err.message.includes(uri), 'the entry is not echoed')
  }
  t.same(loadConfig(testEnv('http://127.0.0.1:4010', { APP_REDIRECT_URIS: allowed.join(',') })).appRedirectUris, allowed)
})
