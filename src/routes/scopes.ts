import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ok } from '../envelope.js'
import { Envelope, errorResponses } from '../schemas.js'
import { SCOPES, fieldsOfScope } from '../scopes/catalogue.js'

const ScopeItem = Type.Object({
  scope: Type.String(),
  description: Type.String({ description: 'English, or Thai when Accept-Language prefers th.' }),
  descriptions: Type.Object({ en: Type.String(), th: Type.String() }, { additionalProperties: false }),
  fields: Type.Array(Type.String(), { description: 'User fields this scope unlocks (may be empty).' })
}, { additionalProperties: false })

/** True when Accept-Language prefers Thai over English (q-values honoured). */
export function prefersThai (header: string | undefined): boolean {
  if (header === undefined) return false
  let best = { lang: '', q: 0 }
  for (const part of header.split(',')) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';')
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const q = qp === undefined ? 1 : Number(qp.slice(2))
    const lang = tag.split('-')[0] ?? ''
    if ((lang === 'th' || lang === 'en') && Number.isFinite(q) && q > best.q) best = { lang, q }
  }
  return best.lang === 'th'
}

const body = (thai: boolean) => ({
  scopes: SCOPES.map((s) => ({ scope: s.scope, description: thai ? s.th : s.en, descriptions: { en: s.en, th: s.th }, fields: fieldsOfScope(s.scope) }))
})
const english = body(false)
const thai = body(true)

const scopesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/scopes', {
    schema: {
      tags: ['scopes'],
      operationId: 'listScopes',
      security: [],
      summary: 'The scope catalogue, in English and Thai',
      description: 'Every TikTok scope this service knows, in the order of TikTok\'s consent screen, with the user fields each unlocks.',
      response: { 200: Envelope(Type.Object({ scopes: Type.Array(ScopeItem) }, { additionalProperties: false }), 'The scopes.'), ...errorResponses('service_unavailable') }
    }
  }, async (request, reply) => {
    const th = prefersThai(request.headers['accept-language'])
    reply.header('vary', 'Accept-Language').header('content-language', th ? 'th' : 'en')
    return ok(th ? thai : english, request.id)
  })
}

export default scopesRoutes
