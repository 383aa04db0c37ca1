import { createHmac } from 'node:crypto'
import t from 'tap'
import { request } from 'undici'
import { SAMPLE_USERS } from '../../src/emulator/index.js'
import { CLIENT_SECRET, get, login, postForm, start, userInfo } from './fixtures/client.js'
import { startReceiver } from './fixtures/webhook-receiver.js'

const [SOMCHAI, EMMA] = [SAMPLE_USERS[0]!, SAMPLE_USERS[1]!]
const RETURN_TO = 'http://127.0.0.1:5173/settings?tab=tiktok&x="y"'

t.test('the page shows the user and a Remove access button that posts back with return_to', async (t) => {
  const emu = await start(t)
  const page = await get(`${emu.url}/remove-access?open_id=${SOMCHAI.open_id}&return_to=${encodeURIComponent(RETURN_TO)}`)
  t.equal(page.status, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.equal(page.headers['x-frame-options'], 'DENY', 'not framed (clickjacking)')
  t.match(page.text, SOMCHAI.display_name)
  t.match(page.text, `@${SOMCHAI.username}`)
  t.match(page.text, /<form method="post" action="\/remove-access">/)
  t.match(page.text, />Remove access<\/button>/)
  t.match(page.text, `<input type="hidden" name="open_id" value="${SOMCHAI.open_id}">`)
  t.match(page.text, '<input type="hidden" name="return_to" value="http://127.0.0.1:5173/settings?tab=tiktok&#38;x=&#34;y&#34;">', 'return_to escaped')
  t.notMatch(page.text, EMMA.display_name, 'only that user')

  const all = await get(`${emu.url}/remove-access`)
  t.equal(all.status, 200)
  for (const u of SAMPLE_USERS) t.match(all.text, `value="${u.open_id}"`, `without open_id: a button for ${u.id}`)
  t.equal((all.text.match(/>Remove access<\/button>/g) ?? []).length, SAMPLE_USERS.length)

  const unknown = await get(`${emu.url}/remove-access?open_id=%3Cscript%3E`)
  t.equal(unknown.status, 404)
  t.notMatch(unknown.text, '<script>')

  const hostile = await get(`${emu.url}/remove-access?open_id=${EMMA.open_id}&return_to=${encodeURIComponent('"><script>alert(1)</script>')}`)
  t.notMatch(hostile.text, '<script>alert(1)</script>', 'everything escaped')
})

t.test('posting the form ends the user\'s tokens, sends the webhook, then 303 to return_to', async (t) => {
  const receiver = await startReceiver(t)
  const emu = await start(t, { webhookUrl: receiver.url })
  const { access_token: token } = await login(emu, ['user.info.basic'], SOMCHAI.open_id)
  const other = await login(emu, ['user.info.basic'], EMMA.open_id)
  const res = await postForm(`${emu.url}/remove-access`, { open_id: SOMCHAI.open_id, return_to: RETURN_TO, action: 'remove' })
  t.equal(res.status, 303)
  t.equal(res.headers.location, RETURN_TO, 'back to the app, exactly')
  t.equal(receiver.received.length, 1, 'delivered before the redirect')
  const got = receiver.received[0]!
  const [, ts, sig] = /^t=(\d+),s=([0-9a-f]+)$/.exec(String(got.headers['tiktok-signature'])) ?? []
  t.equal(sig, createHmac('sha256', CLIENT_SECRET).update(`${ts}.${got.raw}`).digest('hex'))
  t.match(JSON.parse(got.raw), { event: 'authorization.removed', user_openid: SOMCHAI.open_id, content: '{"reason":1}' })
  t.equal((await userInfo(emu.url, token, 'open_id')).status, 401, 'the user\'s token no longer works')
  t.equal((await userInfo(emu.url, other.access_token, 'open_id')).status, 200)

  const reason = await postForm(`${emu.url}/remove-access`, { open_id: EMMA.open_id, reason: '5', return_to: 'https://app.example/' })
  t.equal(reason.status, 303)
  t.equal(JSON.parse(receiver.received[1]!.raw).content, '{"reason":5}')
})

t.test('no usable return_to: a result page instead of a redirect', async (t) => {
  const receiver = await startReceiver(t, 204)
  const emu = await start(t, { webhookUrl: receiver.url })
  for (const returnTo of [undefined, 'javascript:alert(1)', '/settings', 'https://app.example/#done', '//evil.example/']) {
    const res = await postForm(`${emu.url}/remove-access`, { open_id: EMMA.open_id, ...(returnTo === undefined ? {} : { return_to: returnTo }) })
    t.equal(res.status, 200, `return_to ${String(returnTo)}: no redirect`)
    t.equal(res.headers.location, undefined)
    t.match(res.text, 'Access removed')
    t.match(res.text, 'the app answered HTTP 204')
    if (returnTo !== undefined) t.match(res.text, /id="note">return_to must/, 'says why it did not go back')
  }
  t.equal(receiver.received.length, 5, 'the access was removed each time')

  const noUrl = await start(t)
  const res = await postForm(`${noUrl.url}/remove-access`, { open_id: EMMA.open_id })
  t.match(res.text, /not delivered: no webhook URL/)
})

t.test('refused posts change nothing', async (t) => {
  const receiver = await startReceiver(t)
  const emu = await start(t, { webhookUrl: receiver.url })
  const { access_token: token } = await login(emu, ['user.info.basic'], SOMCHAI.open_id)
  const unknown = await postForm(`${emu.url}/remove-access`, { open_id: 'nobody', return_to: RETURN_TO })
  t.equal(unknown.status, 400)
  t.equal(unknown.headers.location, undefined)
  t.equal((await postForm(`${emu.url}/remove-access`, { open_id: SOMCHAI.open_id, reason: '9' })).status, 400)
  const json = await request(`${emu.url}/remove-access`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ open_id: SOMCHAI.open_id })
  })
  t.equal(json.statusCode, 400, 'a form only')
  await json.body.dump()
  t.equal(receiver.received.length, 0)
  t.equal((await userInfo(emu.url, token, 'open_id')).status, 200)
})
