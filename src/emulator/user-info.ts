import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { fieldEntry, isField, type FieldName } from '../scopes/catalogue.js'
import type { EmulatorContext } from './context.js'
import { list, toForm } from './form.js'
import { profileOf, userByOpenId } from './users.js'

type UserInfoError = 'access_token_invalid' | 'scope_not_authorized' | 'invalid_params' | 'rate_limit_exceeded' | 'internal_error'

const STATUS: Record<UserInfoError, number> = {
  access_token_invalid: 401,
  scope_not_authorized: 401,
  invalid_params: 400,
  rate_limit_exceeded: 429,
  internal_error: 500
}

function fail (reply: FastifyReply, code: UserInfoError, message: string): FastifyReply {
  return reply.code(STATUS[code]).send({ data: {}, error: { code, message, log_id: reply.request.id } })
}

function bearer (request: FastifyRequest): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')
  return match?.[1]
}

export function userInfoRoutes (ctx: EmulatorContext): FastifyPluginAsync {
  const { state, controls } = ctx
  return async (app) => {
    app.addHook('onRequest', controls.faultHook('user_info'))
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if ((err.statusCode ?? 500) < 500) return fail(reply, 'invalid_params', 'The request parameters are malformed.')
      request.log.error({ err }, 'emulator failure')
      return fail(reply, 'internal_error', 'Internal error.')
    })

    app.get('/v2/user/info/', async (request, reply) => {
      const token = bearer(request)
      const grant = token === undefined ? undefined : state.findAccess(token)
      const user = grant === undefined ? undefined : userByOpenId(grant.openId)
      if (grant === undefined || user === undefined) {
        return fail(reply, 'access_token_invalid', 'The access token is invalid or not found in the request.')
      }
      const slot = controls.takeRateSlot()
      if (!slot.ok) {
        // TikTok sends x-ratelimit-reset (epoch seconds) and no Retry-After.
        reply.header('x-ratelimit-reset', String(slot.resetAt))
        return fail(reply, 'rate_limit_exceeded', 'API rate limit was exceeded, please retry later.')
      }
      // The query parser already decodes `%2C`, so literal and encoded commas both work.
      const names = list(toForm(request.query) ?? {}, 'fields')
        .flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')
      if (names.length === 0) return fail(reply, 'invalid_params', 'Fields is required, please provide fields in the request')
      const unknown = names.filter((n) => !isField(n))
      if (unknown.length > 0) return fail(reply, 'invalid_params', `Invalid fields: ${unknown.join(',')}`)
      const fields = [...new Set(names as FieldName[])]
      if (fields.some((f) => !grant.scopes.includes(fieldEntry(f).scope))) {
        return fail(reply, 'scope_not_authorized', 'The user did not authorize the scope required for completing this request.')
      }
      const profile = profileOf(user, `${request.protocol}://${request.host}`)
      const selected: Record<string, unknown> = {}
      // A field the user has no value for (an empty bio) is left out, as TikTok does.
      for (const f of fields) if (profile[f] !== undefined) selected[f] = profile[f]
      return reply.send({ data: { user: selected }, error: { code: 'ok', message: '', log_id: request.id } })
    })
  }
}
