import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { createBudgets, createTikTokClient } from '../../src/tiktok/client.js'
import { AppError } from '../../src/errors.js'

// TIKTOK_TIMEOUT_MS is a total budget per upstream call, headers and body
// included, kept by abort emitters that calls starting close together share (src/tiktok/client.ts),
// and answered as upstream_timeout.

t.test('calls that start together share a budget; it fires no earlier than the budget', async (t) => {
  const budgetMs = 200
  const next = createBudgets(budgetMs)
  // The budget's timer is unref'd (in-flight calls hold the process by their sockets): hold it here.
  const hold = setTimeout(() => {}, 10_000)
  t.teardown(() => clearTimeout(hold))
  const started = Date.now()
  const first = next()
  t.equal(next(), first, 'a call in the same slot shares the emitter')
  const fired = await new Promise<number>((resolve) => first.once('abort', () => resolve(Date.now() - started)))
  t.ok(fired >= budgetMs, `fired after ${fired} ms, not before the budget`)
  t.not(next(), first, 'a call after the slot gets a budget of its own')
})

async function cutAtBudget (t: Test, answer: (res: ServerResponse) => (() => void) | undefined): Promise<void> {
  const open = new Set<ServerResponse>()
  const server = createServer((_req, res) => {
    open.add(res)
    const stop = answer(res)
    res.on('close', () => stop?.())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const r of open) r.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  const { port } = server.address() as AddressInfo
  const timeoutMs = 300
  const client = createTikTokClient({ apiBaseUrl: `http://127.0.0.1:${port}`, clientKey: 'k', clientSecret: 's', timeoutMs })
  t.teardown(() => client.close())
  const started = Date.now()
  const err = await client.userInfo('token', ['open_id']).then(() => undefined, (e: unknown) => e)
  const took = Date.now() - started
  t.ok(err instanceof AppError && err.code === 'upstream_timeout', 'answered as upstream_timeout')
  t.ok(took >= timeoutMs, `not before the budget (${took} ms)`)
  t.ok(took < timeoutMs + 2000, `cut near the budget (${took} ms), not left to wait`)
}

t.test('a call whose answer never starts is cut at its budget, as an upstream timeout', async (t) => {
  await cutAtBudget(t, () => undefined)
})

t.test('a call whose body trickles in is cut at its budget, as an upstream timeout', async (t) => {
  await cutAtBudget(t, (res) => {
    // Headers at once, then one byte of body every 50 ms, for ever.
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"data":')
    const tick = setInterval(() => res.write(' '), 50)
    return () => clearInterval(tick)
  })
})
