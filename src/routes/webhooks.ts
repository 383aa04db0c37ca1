import { Type, type FastifyPluginAsyncTypebox, type TSchema } from '@fastify/type-provider-typebox'
import { ok } from '../envelope.js'
import { Envelope, errorResponses, BODY_ERRORS } from '../schemas.js'

// POST /webhooks/tiktok: TikTok's deliveries (services/webhooks.ts). The signature covers the
// body's exact bytes, so this route reads bodies as raw text, whatever their media type (TikTok
// sends JSON; a sender's charset or type variant must not make a delivery a 415 it retries for
// three days): nothing of a delivery is parsed, let alone trusted, before it is verified.

/** TikTok's event, as documented; the route reads it as text (see above), so its type is string. */
const Delivery = Type.Unsafe<string>(Type.Object({
  client_key: Type.String({ description: 'The app\'s client key: must be this service\'s TIKTOK_CLIENT_KEY.' }),
  event: Type.String({ examples: ['authorization.removed'] }),
  create_time: Type.Integer({ description: 'Unix seconds.' }),
  user_openid: Type.String(),
  content: Type.String({ description: 'A JSON string, e.g. {"reason":1} for authorization.removed.' })
}))

const Received = Type.Object({
  outcome: Type.Union([Type.Literal('processed'), Type.Literal('ignored')], { description: 'processed: acted on; ignored: a repeated delivery or an event this service does not act on.' })
}, { additionalProperties: false })

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })

  app.post('/webhooks/tiktok', {
    // The body is checked by its signature, then by the service: no schema validation of text
    // that is not trusted yet (the schema documents it).
    validatorCompiler: () => () => true,
    schema: {
      tags: ['webhooks'],
      operationId: 'tiktokWebhook',
      security: [],
      summary: 'TikTok\'s webhook deliveries (register PUBLIC_BASE_URL + /webhooks/tiktok with TikTok)',
      description: 'Verified on the raw body before anything else: `TikTok-Signature: t=<unix seconds>,s=<hex HMAC-SHA256>` keyed with the client secret over `t + "." + body`, ' +
        '`t` within TIKTOK_WEBHOOK_TOLERANCE_SECONDS of now, and the body\'s `client_key` this app\'s; anything else is a 401 and changes nothing. ' +
        '`authorization.removed` ends every session of `user_openid`. A repeated delivery, or another event, answers 200 and changes nothing.',
      headers: Type.Object({ 'tiktok-signature': Type.Optional(Type.String({ description: 't=<unix seconds>,s=<hex HMAC-SHA256>' })) }),
      body: Delivery,
      response: { 200: Envelope(Received, 'The delivery was received.'), 413: BODY_ERRORS[413] as TSchema, ...errorResponses('access_token_invalid', 'service_unavailable') }
    }
  }, async (request) => {
    const outcome = await app.services.webhooks.receive(request.body, request.headers['tiktok-signature'], request.log)
    return ok({ outcome: outcome === 'processed' ? 'processed' as const : 'ignored' as const }, request.id)
  })
}

export default webhookRoutes
