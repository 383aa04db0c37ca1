import type { AddressInfo } from 'node:net'
import formbody from '@fastify/formbody'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { authorizeRoutes } from './authorize.js'
import { avatarRoutes } from './avatar.js'
import type { EmulatorContext } from './context.js'
import { Controls } from './controls.js'
import { coverRoutes } from './cover.js'
import { controlRoutes } from './http-controls.js'
import { httpUrlProblem } from './http-url.js'
import { logId } from './log-id.js'
import { removeAccessRoutes } from './remove-access.js'
import { revokeRoutes } from './revoke.js'
import { EmulatorState } from './state.js'
import { tokenRoutes } from './token.js'
import type { EmulatorControls, EmulatorOptions, ResolvedOptions } from './types.js'
import { userInfoRoutes } from './user-info.js'
import { videoRoutes } from './video.js'

export { SAMPLE_USERS, type SampleUser } from './users.js'
export type {
  EmulatorControls, EmulatorCounts, EmulatorEndpoint, EmulatorOptions, ForcedAnswer, IssueCodeParams
} from './types.js'
export { signatureHeader, type WebhookDelivery, type WebhookEvent } from './webhook.js'

export interface Emulator {
  url: string
  controls: EmulatorControls
  close (): Promise<void>
}

function resolveOptions (opts: EmulatorOptions): ResolvedOptions {
  const webhookProblem = opts.webhookUrl === undefined ? undefined : httpUrlProblem(opts.webhookUrl, 'webhookUrl')
  if (webhookProblem !== undefined) throw new RangeError(`emulator: ${webhookProblem}`)
  return {
    clientKey: opts.clientKey ?? 'emulator-client-key',
    clientSecret: opts.clientSecret ?? 'emulator-client-secret',
    redirectUris: [...(opts.redirectUris ?? [])],
    pkce: opts.pkce ?? 'either',
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 7200,
    refreshTokenTtlSeconds: opts.refreshTokenTtlSeconds ?? 15_552_000,
    webhookUrl: opts.webhookUrl,
    publicControls: opts.publicControls ?? false
  }
}

// Logs carry the path only: the query and bodies hold codes, verifiers and secrets.
const loggerOptions: FastifyServerOptions['logger'] = {
  level: 'info',
  serializers: {
    req: (req: { method: string, url: string }) => ({ method: req.method, path: req.url.split('?')[0] })
  }
}

export function buildEmulator (opts: EmulatorOptions = {}): { app: FastifyInstance, controls: EmulatorControls } {
  const options = resolveOptions(opts)
  const state = new EmulatorState(options.accessTokenTtlSeconds, options.refreshTokenTtlSeconds)
  const controls = new Controls(state, options)
  const ctx: EmulatorContext = { options, state, controls }
  const app = Fastify({
    logger: opts.logger === true ? loggerOptions : false,
    genReqId: () => logId(),
    // Delayed answers must not hold close() open.
    forceCloseConnections: true,
    // Real clients (Arctic, Auth.js) call the paths without the trailing slash.
    routerOptions: { ignoreTrailingSlash: true }
  })
  app.addHook('onRequest', async (request, reply) => { reply.header('x-tt-logid', request.id) })
  app.addHook('preClose', async () => { controls.wakeSleepers() })
  app.register(formbody)
  app.register(authorizeRoutes(ctx))
  app.register(tokenRoutes(ctx))
  app.register(revokeRoutes(ctx))
  app.register(userInfoRoutes(ctx))
  app.register(videoRoutes(ctx))
  app.register(removeAccessRoutes(ctx))
  app.register(avatarRoutes)
  app.register(coverRoutes)
  app.register(controlRoutes(controls, options.publicControls))
  return { app, controls }
}

function urlHost (host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}

/**
 * Starts on `port` (0 = a free one). `onListening` runs with the base URL before the first log
 * line, so `npm run emulator` can print its URL line first.
 */
export async function startEmulator (opts: EmulatorOptions & { onListening?: (url: string) => void } = {}): Promise<Emulator> {
  const { app, controls } = buildEmulator(opts)
  const host = opts.host ?? '127.0.0.1'
  let url = ''
  await app.listen({
    host,
    port: opts.port ?? 0,
    listenTextResolver: (address) => {
      if (url === '') {
        url = `http://${urlHost(host)}:${(app.server.address() as AddressInfo).port}`
        opts.onListening?.(url)
      }
      return `TikTok emulator listening at ${address}`
    }
  })
  return { url, controls, close: async () => { await app.close() } }
}
