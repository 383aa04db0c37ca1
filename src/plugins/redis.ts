import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config/index.js'
import { createRedisClient, quitRedis, type RedisClient } from '../session/redis-client.js'

// The Redis connection, when a Redis variable is set (else `app.redis` is undefined and the
// services use the in-process store): made here, shared by the session store and the rate
// limiter, closed here when the app closes.

/** How long start-up waits for the first connection before it goes on without one. */
const FIRST_CONNECT_MS = 3000

export default fp(async function redis (app: FastifyInstance, opts: { config: Config }) {
  const { store } = opts.config
  if (store.redis.kind === 'memory') {
    app.decorate<RedisClient | undefined>('redis', undefined)
    return
  }
  const client = createRedisClient(store.redis, store.commandTimeoutMs)
  // Only the message: an ioredis error can carry the command and its arguments.
  client.on('error', (err: Error) => { app.log.warn({ err: { message: err.message } }, 'session store connection error') })
  // Until the store answers, requests that need it get 503 and readiness says so: a process
  // that starts while Redis is away serves as soon as it comes.
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    client.connect().catch(() => {}),
    new Promise((resolve) => { timer = setTimeout(resolve, FIRST_CONNECT_MS) })
  ])
  clearTimeout(timer)
  app.decorate<RedisClient | undefined>('redis', client)
  app.addHook('onClose', async () => { await quitRedis(client) })
}, { name: 'redis' })

declare module 'fastify' {
  interface FastifyInstance {
    /** The Redis connection, or undefined with the in-process store. */
    redis: RedisClient | undefined
  }
}
