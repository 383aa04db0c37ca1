import type { FastifyPluginAsync } from 'fastify'
import Type, { type Static } from 'typebox'
import { Value } from 'typebox/value'
import type { Controls } from './controls.js'
import { ENDPOINTS } from './types.js'

// The same controls for out-of-process users (other services, `npm run dev`): one action per call.
const Endpoint = Type.Union(ENDPOINTS.map((e) => Type.Literal(e)))
const Answer = Type.Object({
  status: Type.Optional(Type.Integer({ minimum: 200, maximum: 599 })),
  body: Type.Optional(Type.Unknown()),
  raw: Type.Optional(Type.String()),
  contentType: Type.Optional(Type.String()),
  headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  reset: Type.Optional(Type.Boolean())
}, { additionalProperties: false })
const Positive = Type.Integer({ minimum: 1 })

function action<A extends string, P extends Record<string, Parameters<typeof Type.Object>[0][string]>> (name: A, props: P) {
  return Type.Object({ action: Type.Literal(name), ...props }, { additionalProperties: false })
}

const Action = Type.Union([
  action('setDelay', { endpoint: Endpoint, ms: Type.Integer({ minimum: 0 }) }),
  action('forceNext', { endpoint: Endpoint, answer: Answer, times: Type.Optional(Positive) }),
  action('setAccessTokenTtl', { seconds: Positive }),
  action('setRefreshTokenTtl', { seconds: Positive }),
  action('expireAccessTokens', {}),
  action('revokeUser', { openId: Type.String() }),
  action('setErrorsAs200', { on: Type.Boolean() }),
  action('setRateLimit', { perMinute: Positive }),
  action('issueCode', {
    openId: Type.Optional(Type.String()),
    scopes: Type.Array(Type.String(), { minItems: 1 }),
    redirectUri: Type.String({ minLength: 1 }),
    codeChallenge: Type.Optional(Type.String())
  }),
  action('tokensOf', { openId: Type.String() }),
  action('setWebhookUrl', { url: Type.Optional(Type.String()) }),
  action('removeAccess', { openId: Type.String(), reason: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })) }),
  action('sendWebhook', {
    event: Type.String({ minLength: 1 }),
    openId: Type.String({ minLength: 1 }),
    content: Type.Optional(Type.String()),
    timestamp: Type.Optional(Type.Integer({ minimum: 0 }))
  }),
  action('resetCounts', {}),
  action('reset', {})
])

async function run (controls: Controls, a: Static<typeof Action>): Promise<Record<string, unknown>> {
  switch (a.action) {
    case 'setDelay': controls.setDelay(a.endpoint, a.ms); break
    case 'forceNext': controls.forceNext(a.endpoint, a.answer, a.times); break
    case 'setAccessTokenTtl': controls.setAccessTokenTtl(a.seconds); break
    case 'setRefreshTokenTtl': controls.setRefreshTokenTtl(a.seconds); break
    case 'expireAccessTokens': controls.expireAccessTokens(); break
    case 'revokeUser': controls.revokeUser(a.openId); break
    case 'setErrorsAs200': controls.setErrorsAs200(a.on); break
    case 'setRateLimit': controls.setRateLimit(a.perMinute); break
    case 'issueCode': return { ok: true, code: controls.issueCode(a) }
    case 'tokensOf': return { ok: true, ...controls.tokensOf(a.openId) }
    case 'setWebhookUrl': controls.setWebhookUrl(a.url); break
    // `ok` says the action ran; `delivered` and `status` or `error` say what became of the webhook.
    case 'removeAccess': return { ok: true, ...await controls.removeAccess(a.openId, a.reason) }
    case 'sendWebhook': return { ok: true, ...await controls.sendWebhook(a) }
    case 'resetCounts': controls.resetCounts(); break
    case 'reset': controls.reset(); break
  }
  return { ok: true }
}

const NAMES = Action.anyOf.map((s) => s.properties.action.const)

// Against the branch the caller named, so the message is about their action and not about the first one listed.
function explain (body: unknown): string {
  const name = typeof body === 'object' && body !== null && 'action' in body ? body.action : undefined
  const branch = Action.anyOf.find((s) => s.properties.action.const === name)
  if (branch === undefined) return `action must be one of ${NAMES.join(', ')}`
  const first = [...Value.Errors(branch, body)][0]
  return `${first?.instancePath ?? ''} ${first?.message ?? 'invalid'}`.trim()
}

/** 127.0.0.0/8, ::1, and IPv4 loopback as an IPv4-mapped IPv6 address. */
export function isLoopback (address: string | undefined): boolean {
  return address === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/i.test(address ?? '')
}

export function controlRoutes (controls: Controls, publicControls: boolean): FastifyPluginAsync {
  return async (app) => {
    // The controls mint codes, list live tokens and end grants: only callers on this machine may
    // use them unless the operator opts in. The socket's address, never X-Forwarded-For, decides,
    // and others see the ordinary 404, as if the routes were not there.
    app.addHook('onRequest', async (request, reply) => {
      if (!publicControls && !isLoopback(request.socket.remoteAddress)) return reply.callNotFound()
    })
    app.post('/__emulator/controls', async (request, reply) => {
      if (!Value.Check(Action, request.body)) return reply.code(400).send({ error: 'invalid_control', message: explain(request.body) })
      try {
        return await run(controls, request.body)
      } catch (err) {
        if (err instanceof RangeError) return reply.code(400).send({ error: 'invalid_control', message: err.message })
        throw err
      }
    })
    app.get('/__emulator/controls/counts', async () => controls.counts)
  }
}
