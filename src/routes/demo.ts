import type { FastifyPluginAsync } from 'fastify'
import type { Config } from '../config/index.js'
import { demoPage } from './demo-page.js'

// The demo app of `npm run dev`: one page that plays the mobile app (PKCE pair, login,
// handoff redemption, /me). Registered only in development mode.
const demoRoutes: FastifyPluginAsync<{ config: Config }> = async (app, opts) => {
  const tiktok = opts.config.tiktok.authBaseUrl
  const html = demoPage(opts.config.publicBaseUrl, tiktok)
  app.get('/demo/', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type('text/html; charset=utf-8')
      .header('content-security-policy', `default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src * data:; connect-src 'self'; base-uri 'none'; form-action 'self' ${new URL(tiktok).origin}; frame-ancestors 'none'`)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(html)
  })
}

export default demoRoutes
