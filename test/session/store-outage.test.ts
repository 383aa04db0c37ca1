import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { APP_REDIRECT, auth, build, login, pkcePair } from '../helper.js'
import { startRedisServer } from '../support/redis-server.js'

// Store commands time out after REDIS_COMMAND_TIMEOUT_MS and nothing queues while
// the store is unreachable. Within 5 s of the store freezing (SIGSTOP) or going away, every
// request that needs it answers a 503 service_unavailable envelope; when it returns, the same
// sessions work again. A private redis-server keeps an append-only file, so a stopped and
// restarted store still holds the session.

const CONTRACT_BOUND_MS = 5000

/** Requests that each need the store: the session read, a login start and a code redemption. */
function storeRequests (app: FastifyInstance, token: string) {
  const { challenge } = pkcePair()
  return [
    app.inject({ url: '/me', headers: auth(token) }),
    app.inject({ url: '/me', headers: auth(token) }),
    app.inject({ url: '/auth/tiktok/login', query: { redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' } }),
    app.inject({ method: 'POST', url: '/auth/session', payload: { code: 'a'.repeat(43), code_verifier: 'b'.repeat(43) } }),
    app.inject({ method: 'POST', url: '/internal/introspect', headers: auth('internal-secret-0123456789abcdef'), payload: { token } })
  ]
}

type Answer = Awaited<ReturnType<FastifyInstance['inject']>>

/** Every answer within the 5 s bound, or the ones missing counted as `timeout`. */
async function within (pending: Array<Promise<Answer>>): Promise<Array<Answer | 'timeout'>> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), CONTRACT_BOUND_MS) })
  const answers = await Promise.all(pending.map((p) => Promise.race([p, deadline])))
  clearTimeout(timer)
  return answers
}

/** Each answer as `status code data`, so one assertion shows every request's outcome. */
function outcomes (answers: Array<Answer | 'timeout'>): string[] {
  return answers.map((a) => {
    if (a === 'timeout') return 'no answer within 5 s'
    const body = a.json() as { data: unknown, error: { code: string } }
    return `${a.statusCode} ${body.error.code} ${JSON.stringify(body.data)}`
  })
}

const ALL_503 = Array(5).fill('503 service_unavailable {}')

/** Polls /me with the same token until it answers 200 (bounded: 60 × 250 ms). */
async function meUntilOk (app: FastifyInstance, token: string): Promise<number> {
  let status = 0
  for (let i = 0; i < 60 && status !== 200; i++) {
    status = (await app.inject({ url: '/me', headers: auth(token) })).statusCode
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return status
}

t.test('a frozen store: 503s within the bound, nothing queues, and the same session works after', async (t) => {
  const redis = await startRedisServer(t)
  const ctx = await build(t, { env: { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '1000' } })
  const { token } = await login(ctx)
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 200)

  redis.pause()
  t.same(outcomes(await within(storeRequests(ctx.app, token))), ALL_503, 'just frozen: every request answers a 503 envelope within 5 s')
  // Still frozen: later requests are not stuck behind the earlier ones.
  t.same(outcomes(await within(storeRequests(ctx.app, token))), ALL_503, 'still frozen: the same, nothing waits behind earlier commands')

  redis.resume()
  t.equal(await meUntilOk(ctx.app, token), 200, 'the same session works once the store thaws')
})

t.test('a store gone away: 503s within the bound; restarted, the same session works again', async (t) => {
  const redis = await startRedisServer(t)
  const ctx = await build(t, { env: { REDIS_URL: redis.url } })
  const { token } = await login(ctx)
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 200)

  await redis.stop()
  t.same(outcomes(await within(storeRequests(ctx.app, token))), ALL_503, 'stopped: every request answers a 503 envelope within 5 s')
  t.same(outcomes(await within(storeRequests(ctx.app, token))), ALL_503, 'still stopped: the same')

  await redis.start()
  t.equal(await meUntilOk(ctx.app, token), 200, 'the same session works once the store is back')
  const next = await login(ctx)
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(next.token) })).statusCode, 200, 'new logins work too')
})
