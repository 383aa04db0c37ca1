import { randomBytes } from 'node:crypto'
import closeWithGrace from 'close-with-grace'
import { startEmulator } from './emulator/index.js'
import { loadConfig, ConfigError } from './config/index.js'
import { buildApp } from './app.js'

// `npm run dev`: the TikTok emulator and the service (in-process store, or Redis when
// REDIS_URL is set) with the demo app page, no credentials needed; the emulator's webhooks
// go to the service. Prints the URL to open.

const port = process.env.PORT ?? '3000'
const base = process.env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`
const service = base.replace(/\/+$/, '')
// TikTok's webhooks (the emulator's "Remove access") come to this service.
const emulator = await startEmulator({ port: Number(process.env.EMULATOR_PORT ?? 4010), webhookUrl: `${service}/webhooks/tiktok` })
const demoRedirect = `${service}/demo/`
// A fresh internal API key per run, printed below: never a constant anyone could know.
const internalKey = randomBytes(24).toString('base64url')

let config
try {
  config = loadConfig({
    ...process.env,
    PORT: port,
    PUBLIC_BASE_URL: base,
    TIKTOK_CLIENT_KEY: process.env.TIKTOK_CLIENT_KEY ?? 'emulator-client-key',
    TIKTOK_CLIENT_SECRET: process.env.TIKTOK_CLIENT_SECRET ?? 'emulator-client-secret',
    TIKTOK_AUTH_BASE_URL: emulator.url,
    TIKTOK_API_BASE_URL: emulator.url,
    APP_REDIRECT_URIS: [demoRedirect, process.env.APP_REDIRECT_URIS].filter(Boolean).join(','),
    INTERNAL_API_KEYS: process.env.INTERNAL_API_KEYS ?? `dev:${internalKey}`
  })
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`tiktok-bff dev: configuration error: ${err.message}\n`)
    await emulator.close()
    process.exit(1)
  }
  throw err
}

const app = await buildApp(config, { demo: true })
closeWithGrace({ delay: 5000 }, async () => {
  await app.close()
  await emulator.close()
})
await app.listen({ host: config.host, port: config.port })
process.stdout.write(`
  tiktok-bff (development mode)
  TikTok emulator:  ${emulator.url}
  Service:          ${config.publicBaseUrl}   (API docs: ${config.publicBaseUrl}/docs)

  Open ${demoRedirect} to sign in with the emulated TikTok.
${process.env.INTERNAL_API_KEYS === undefined
? `
  Internal API key for this run (/internal/*):  Authorization: Bearer ${internalKey}
`
: ''}
`)
