import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ok } from '../envelope.js'
import { Envelope, errorResponses } from '../schemas.js'
import { Errors } from '../errors.js'

const Status = Type.Object({ status: Type.String() }, { additionalProperties: false })
const READY_BUDGET_MS = 1000

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health/live', {
    schema: { tags: ['operations'], operationId: 'live', security: [], summary: 'Liveness: 200 while the process runs', response: { 200: Envelope(Status, 'Alive.'), ...errorResponses('service_unavailable') } }
  }, async (request) => ok({ status: 'live' }, request.id))

  app.get('/health/ready', {
    schema: { tags: ['operations'], operationId: 'ready', security: [], summary: 'Readiness: 200 when the session store answers', response: { 200: Envelope(Status, 'Ready.'), ...errorResponses('service_unavailable') } }
  }, async (request) => {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        app.services.store.ping(),
        new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error('ping timed out')), READY_BUDGET_MS) })
      ])
    } catch (err) {
      throw Errors.storeUnavailable(err)
    } finally {
      clearTimeout(timer)
    }
    return ok({ status: 'ready' }, request.id)
  })
}

export default healthRoutes
