import { createHmac, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { SAMPLE_USERS } from '../../src/emulator/index.js'
import { CLIENT_KEY, CLIENT_SECRET, login, postJson, start, userInfo } from './fixtures/client.js'
import { startReceiver, type Received } from './fixtures/webhook-receiver.js'

const [SOMCHAI, EMMA] = [SAMPLE_USERS[0]!, SAMPLE_USERS[1]!]

/** Checks the delivery as an app must (HMAC over `t.rawBody`, constant time) and returns its body. */
function verified (t: Test, got: Received | undefined): Record<string, unknown> {
  t.ok(got, 'a webhook arrived')
  t.equal(got?.method, 'POST')
  t.match(got?.headers['content-type'], /^application\/json/)
  const header = String(got?.headers['tiktok-signature'])
  const match = /^t=(\d+),s=([0-9a-f]{64})$/.exec(header)
  t.ok(match, `TikTok-Signature is t=…,s=<hex> (${header})`)
  const expected = createHmac('sha256', CLIENT_SECRET).update(`${match?.[1]}.${got?.raw}`).digest()
  t.ok(timingSafeEqual(Buffer.from(match?.[2] ?? '', 'hex'), expected), 'the signature verifies with the client secret')
  const body = JSON.parse(got?.raw ?? '{}') as Record<string, unknown>
  t.equal(body.create_time, Number(match?.[1]), 'create_time is the signed timestamp')
  return body
}

t.test('removeAccess: tokens end, then a signed authorization.removed arrives', async (t) => {
  const receiver = await startReceiver(t)
  const emu = await start(t, { webhookUrl: receiver.url })
  const one = await login(emu, ['user.info.basic'], SOMCHAI.open_id)
  const two = await login(emu, ['user.info.basic', 'video.list'], SOMCHAI.open_id)
  const other = await login(emu, ['user.info.basic'], EMMA.open_id)

  const before = Math.floor(Date.now() / 1000)
  t.same(await emu.controls.removeAccess(SOMCHAI.open_id), { delivered: true, status: 200 })
  t.equal(receiver.received.length, 1, 'one delivery, no retries')
  const body = verified(t, receiver.received[0])
  t.same(Object.keys(body), ['client_key', 'event', 'create_time', 'user_openid', 'content'], 'TikTok\'s keys, in order')
  t.same(body, { client_key: CLIENT_KEY, event: 'authorization.removed', create_time: body.create_time, user_openid: SOMCHAI.open_id, content: '{"reason":1}' })
  t.ok(Number(body.create_time) >= before && Number(body.create_time) <= before + 5, 'create_time is now, in seconds')

  for (const token of [one.access_token, two.access_token]) {
    const res = await userInfo(emu.url, token, 'open_id')
    t.equal(res.status, 401)
    t.match(res.json.error, { code: 'access_token_invalid' })
  }
  t.same(emu.controls.tokensOf(SOMCHAI.open_id), { accessTokens: [], refreshTokens: [] })
  t.equal((await userInfo(emu.url, other.access_token, 'open_id')).status, 200, 'other users keep access')
})

t.test('removeAccess through the HTTP controls, with a reason; the receiver\'s status is reported', async (t) => {
  const receiver = await startReceiver(t, 500)
  const emu = await start(t, { webhookUrl: receiver.url })
  const { access_token: token } = await login(emu, ['user.info.basic'], EMMA.open_id)
  const res = await postJson(`${emu.url}/__emulator/controls`, { action: 'removeAccess', openId: EMMA.open_id, reason: 2 })
  t.equal(res.status, 200)
  t.same(res.json, { ok: true, delivered: true, status: 500 }, 'the app\'s answer, even a failing one')
  t.equal(verified(t, receiver.received[0]).content, '{"reason":2}')
  t.equal((await userInfo(emu.url, token, 'open_id')).status, 401)

  for (const bad of [{ action: 'removeAccess', openId: 'nobody' }, { action: 'removeAccess', openId: EMMA.open_id, reason: 6 },
    { action: 'sendWebhook', event: '', openId: EMMA.open_id }, { action: 'setWebhookUrl', url: 'ftp://example.com/' }]) {
    const refused = await postJson(`${emu.url}/__emulator/controls`, bad)
    t.equal(refused.status, 400, `refused: ${JSON.stringify(bad)}`)
    t.equal(refused.json.error, 'invalid_control')
  }
  t.equal(receiver.received.length, 1, 'refused actions send nothing')
})

t.test('without a webhook URL, or when delivery fails, the outcome says why; tokens end anyway', async (t) => {
  const emu = await start(t)
  const { access_token: token } = await login(emu, ['user.info.basic'], SOMCHAI.open_id)
  const none = await emu.controls.removeAccess(SOMCHAI.open_id)
  t.match(none, { delivered: false, error: /no webhook URL/ })
  t.equal((await userInfo(emu.url, token, 'open_id')).status, 401)

  // A port that was just free: nothing listens there.
  const spare = createServer().listen(0, '127.0.0.1')
  await once(spare, 'listening')
  const port = (spare.address() as AddressInfo).port
  await new Promise((resolve) => spare.close(resolve))
  emu.controls.setWebhookUrl(`http://127.0.0.1:${port}/webhooks/tiktok`)
  t.match(await emu.controls.removeAccess(SOMCHAI.open_id), { delivered: false, error: /ECONNREFUSED/ })

  const receiver = await startReceiver(t)
  emu.controls.setWebhookUrl(receiver.url)
  t.same(await emu.controls.removeAccess(EMMA.open_id), { delivered: true, status: 200 }, 'setWebhookUrl points it elsewhere')
  emu.controls.reset()
  t.match(await emu.controls.removeAccess(EMMA.open_id), { delivered: false }, 'reset() restores the option (none)')
  await t.rejects(emu.controls.removeAccess('nobody'), RangeError)
  await t.rejects(emu.controls.removeAccess(EMMA.open_id, 1.5), RangeError)
  t.throws(() => emu.controls.setWebhookUrl('/relative'), RangeError)
  t.throws(() => emu.controls.setWebhookUrl('https://example.com/#frag'), RangeError)
  t.equal(receiver.received.length, 1)
})

t.test('sendWebhook: any event, content and timestamp, signed the same way', async (t) => {
  const receiver = await startReceiver(t)
  const emu = await start(t, { webhookUrl: receiver.url })
  const res = await postJson(`${emu.url}/__emulator/controls`, {
    action: 'sendWebhook', event: 'video.publish.completed', openId: 'any-open-id', content: '{"share_id":"v.1"}', timestamp: 1700000000
  })
  t.same(res.json, { ok: true, delivered: true, status: 200 })
  const body = verified(t, receiver.received[0])
  t.same(body, { client_key: CLIENT_KEY, event: 'video.publish.completed', create_time: 1700000000, user_openid: 'any-open-id', content: '{"share_id":"v.1"}' })
  t.same(await emu.controls.sendWebhook({ event: 'authorization.removed', openId: SOMCHAI.open_id }), { delivered: true, status: 200 })
  t.equal(verified(t, receiver.received[1]).content, '{}', 'content defaults to an empty JSON object string')
  t.equal(emu.controls.tokensOf(SOMCHAI.open_id).accessTokens.length, 0)
})

t.test('a bad webhookUrl option is refused at start', async (t) => {
  await t.rejects(start(t, { webhookUrl: 'not a url' }), RangeError)
})
