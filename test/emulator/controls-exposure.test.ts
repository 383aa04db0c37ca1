import t from 'tap'
import { buildEmulator } from '../../src/emulator/index.js'
import { authorizeQuery } from './fixtures/client.js'

type Built = ReturnType<typeof buildEmulator>

function build (t: { teardown (fn: () => unknown): void }, publicControls?: boolean): Built {
  const built = buildEmulator({ publicControls })
  t.teardown(() => built.app.close())
  return built
}

async function control (built: Built, remoteAddress: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number, json: unknown }> {
  const res = await built.app.inject({ method: 'POST', url: '/__emulator/controls', remoteAddress, headers, payload: body as object })
  return { status: res.statusCode, json: res.json() }
}

t.test('the controls answer 404 to a client that is not on loopback', async (t) => {
  const built = build(t)
  const nowhere = await built.app.inject({ method: 'POST', url: '/nowhere', remoteAddress: '10.0.0.1' })
  for (const address of ['10.0.0.1', '192.168.1.20', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1']) {
    const res = await control(built, address, { action: 'setRateLimit', perMinute: 1 })
    t.equal(res.status, 404, `${address}: refused`)
    t.same(Object.keys(res.json as object).sort(), Object.keys(nowhere.json() as object).sort(), 'the ordinary 404, as for no route')
  }
  const counts = await built.app.inject({ url: '/__emulator/controls/counts', remoteAddress: '10.0.0.1' })
  t.equal(counts.statusCode, 404)
  const forwarded = await control(built, '10.0.0.1', { action: 'setRateLimit', perMinute: 1 }, { 'x-forwarded-for': '127.0.0.1' })
  t.equal(forwarded.status, 404, 'X-Forwarded-For does not make a client local')

  const forced = await control(built, '10.0.0.1', { action: 'forceNext', endpoint: 'user_info', answer: { status: 503, raw: 'forced' } })
  t.equal(forced.status, 404)
  const res = await built.app.inject({ url: '/v2/user/info/?fields=open_id', remoteAddress: '10.0.0.1' })
  t.equal(res.statusCode, 401, 'the refused action did not run; TikTok\'s own endpoints stay reachable')
  t.match(res.json(), { error: { code: 'access_token_invalid' } })
})

t.test('loopback clients are served: 127.0.0.0/8, ::1 and IPv4-mapped 127.x', async (t) => {
  const built = build(t)
  for (const address of ['127.0.0.1', '127.10.20.30', '::1', '::ffff:127.0.0.1']) {
    const res = await control(built, address, { action: 'resetCounts' })
    t.equal(res.status, 200, `${address}: allowed`)
    t.same(res.json, { ok: true })
  }
  const counts = await built.app.inject({ url: '/__emulator/controls/counts', remoteAddress: '::1' })
  t.equal(counts.statusCode, 200)
})

t.test('publicControls: true serves every address', async (t) => {
  const built = build(t, true)
  t.equal((await control(built, '10.0.0.1', { action: 'resetCounts' })).status, 200)
  t.equal((await built.app.inject({ url: '/__emulator/controls/counts', remoteAddress: '203.0.113.9' })).statusCode, 200)
})

t.test('the TikTok-facing pages stay reachable from anywhere', async (t) => {
  const built = build(t)
  const authorize = await built.app.inject({ url: '/v2/auth/authorize/', query: authorizeQuery(), remoteAddress: '10.0.0.1' })
  t.equal(authorize.statusCode, 200)
  t.match(authorize.body, 'Approve')
  const page = await built.app.inject({ url: '/remove-access', remoteAddress: '10.0.0.1' })
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Remove access')
})
