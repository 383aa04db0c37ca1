import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Errors } from '../errors.js'

// Once the app is closing, a request that still arrives on a kept-alive connection answers the
// 503 envelope (Fastify's own return503OnClosing body is not the envelope, so app.ts turns it
// off), and every response carries `Connection: close`, so the connections of in-flight
// requests end with them and close() does not wait for the clients' keep-alive timeouts.
export default fp(async function shutdownGuard (app: FastifyInstance) {
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onRequest', (_request, _reply, done) => {
    if (closing) done(Errors.shuttingDown())
    else done()
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'shutdown-guard', dependencies: ['error-handler'] })
