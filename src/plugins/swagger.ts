import fp from 'fastify-plugin'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config/index.js'
import { SCOPES, FIELDS } from '../scopes/catalogue.js'

// The OpenAPI document is generated from the route schemas (never hand-written); `npm run
// openapi` commits it to openapi/, and a test fails when the committed copy drifts.

const scopeTable = '| scope | English | ไทย | fields |\n| --- | --- | --- | --- |\n' +
  SCOPES.map((s) => `| \`${s.scope}\` | ${s.en} | ${s.th} | ${FIELDS.filter((f) => f.scope === s.scope).map((f) => `\`${f.field}\``).join(', ') || '(none)'} |`).join('\n')

export const OPENAPI_INFO = {
  title: 'tiktok-bff',
  version: '0.1.0',
  description: 'Sign users in with TikTok and read their TikTok profile without ever holding a TikTok token. ' +
    'Every JSON answer is TikTok\'s envelope `{ data, error: { code, message, log_id } }`.\n\n## Scopes\n\n' + scopeTable
}

export default fp(async function swagger (app: FastifyInstance, opts: { config: Config }) {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { ...OPENAPI_INFO, license: { name: 'UNLICENSED', identifier: 'UNLICENSED' } },
      servers: [{ url: opts.config.publicBaseUrl }],
      tags: [
        { name: 'login', description: 'TikTok login: browser redirect flow and native-SDK exchange' },
        { name: 'session', description: 'The app\'s session' },
        { name: 'user', description: 'The signed-in user\'s TikTok profile' },
        { name: 'scopes', description: 'The scope catalogue' },
        { name: 'internal', description: 'For internal services (internal API key)' },
        { name: 'webhooks', description: 'Called by TikTok' },
        { name: 'operations', description: 'Health and readiness' }
      ],
      components: {
        securitySchemes: {
          sessionToken: { type: 'http', scheme: 'bearer', description: 'The session token from POST /auth/session or POST /auth/tiktok/exchange.' },
          internalApiKey: { type: 'http', scheme: 'bearer', description: 'An internal API key (INTERNAL_API_KEYS).' }
        }
      }
    },
    // @fastify/swagger marks every request body required; a body schema that also accepts
    // `null` (POST /auth/logout) is optional, as Fastify lets such a request through.
    transformObject: (doc) => {
      if (!('openapiObject' in doc)) return doc.swaggerObject
      const { openapiObject } = doc
      for (const item of Object.values(openapiObject.paths ?? {})) {
        const body = (item as { post?: { requestBody?: { required?: boolean, content?: Record<string, { schema?: { anyOf?: Array<{ type?: string }> } }> } } }).post?.requestBody
        if (body?.content?.['application/json']?.schema?.anyOf?.some((s) => s.type === 'null') === true) body.required = false
      }
      return openapiObject
    }
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}, { name: 'swagger' })
