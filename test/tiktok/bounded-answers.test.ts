import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { auth, build, login } from '../helper.js'
import { MAX_ANSWER_BYTES, createTikTokClient } from '../../src/tiktok/client.js'
import { AppError } from '../../src/errors.js'
import type { Teardownable } from '../support/teardown.js'

// TikTok's answers are read up to 1 MiB: a larger one is a 502 upstream_error, whether it says
// its length or streams it, its connection is not kept, and the service goes on serving.

const FIVE_MIB = 5 * 1024 * 1024

t.test('a 5 MiB answer to /me is a 502; the service stays healthy and the session alive', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  ctx.emulator.controls.forceNext('user_info', { status: 200, contentType: 'application/json', raw: `{"data":{"user":{"display_name":"${'x'.repeat(FIVE_MIB)}"}},"error":{"code":"ok"}}` })
  const big = await ctx.app.inject({ url: '/me', headers: auth(token) })
  t.equal(big.statusCode, 502)
  t.equal(big.json().error.code, 'upstream_error')
  t.match(big.json().error.message, /1 MiB/)
  t.equal((await ctx.app.inject({ url: '/health/live' })).statusCode, 200)
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 200, 'the next call is served')
})

/** A TikTok stand-in whose user info streams `bytes` of JSON without a Content-Length. */
async function streaming (t: Teardownable, bytes: number): Promise<{ url: string, sockets: () => number }> {
  let opened = 0
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"data":{"user":{"display_name":"')
    const chunk = 'y'.repeat(64 * 1024)
    let sent = 0
    const more = (): void => {
      while (sent < bytes) {
        sent += chunk.length
        if (!res.write(chunk)) { res.once('drain', more); return }
      }
      res.end('"}},"error":{"code":"ok","message":"","log_id":"x"}}')
    }
    more()
  })
  server.on('connection', () => { opened++ })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets: () => opened }
}

t.test('a streamed answer over 1 MiB is cut off and its connection is not kept; a small one reads', async (t) => {
  const big = await streaming(t, FIVE_MIB)
  const client = createTikTokClient({ apiBaseUrl: big.url, clientKey: 'k', clientSecret: 's', timeoutMs: 10_000 })
  t.teardown(() => client.close())
  for (let i = 0; i < 2; i++) {
    const err = await client.userInfo('token', ['display_name']).catch((e: unknown) => e)
    t.ok(err instanceof AppError && err.code === 'upstream_error', 'upstream_error')
  }
  t.ok(big.sockets() >= 2, `each call needed a new connection: a cut-off one is not reused (${big.sockets()} opened)`)

  const small = await streaming(t, MAX_ANSWER_BYTES / 2)
  const ok = createTikTokClient({ apiBaseUrl: small.url, clientKey: 'k', clientSecret: 's', timeoutMs: 10_000 })
  t.teardown(() => ok.close())
  const info = await ok.userInfo('token', ['display_name'])
  t.ok(String(info.user.display_name).length >= MAX_ANSWER_BYTES / 2, 'half a MiB is read in full')
})
