import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

// JSON only (anything else is a 415), and an empty JSON body reads as no body: POST
// /auth/logout takes an optional body and clients send `Content-Type: application/json`
// with nothing. Parsing itself stays Fastify's (secure-json-parse: no prototype poisoning).
export default fp(async function bodyParser (app: FastifyInstance) {
  const json = app.getDefaultJsonParser('error', 'error')
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) {
      done(null, null)
      return
    }
    json(request, body.toString(), done)
  })
}, { name: 'body-parser' })
