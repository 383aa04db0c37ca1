import { httpUrlProblem } from './http-url.js'
import { startEmulator } from './index.js'

// `npm run emulator`: one JSON line with the URL on stdout, then pino logs.
// A bad variable is one line on stderr naming it, and exit 1.
//
// EMULATOR_HOST / EMULATOR_PORT       where it listens (127.0.0.1 / 4010; port 0 = a free one)
// TIKTOK_CLIENT_KEY / _SECRET         the only app credentials it accepts
// EMULATOR_REDIRECT_URIS              comma-separated registered redirect URIs (none = any http(s) URI)
// EMULATOR_PKCE                       `either` (hex or base64url S256) or `hex` (TikTok's documented form)
// EMULATOR_WEBHOOK_URL                where signed webhooks go, e.g. the service's /webhooks/tiktok; the
//                                     /remove-access page and the removeAccess control send
//                                     `authorization.removed` there (none = nothing is sent)
// EMULATOR_PUBLIC_CONTROLS            `true` serves /__emulator/* to any client address (default: loopback only,
//                                     since they mint codes and read tokens); needed when it runs in a container
function fail (message: string): never {
  process.stderr.write(`${message}\n`)
  process.exit(1)
}

function env (name: string): string | undefined {
  const value = process.env[name]
  return value === undefined || value === '' ? undefined : value
}

const pkce = env('EMULATOR_PKCE') ?? 'either'
if (pkce !== 'either' && pkce !== 'hex') fail(`EMULATOR_PKCE must be "either" or "hex", got ${JSON.stringify(pkce)}`)

const portText = env('EMULATOR_PORT') ?? '4010'
const port = Number(portText)
if (!/^\d+$/.test(portText) || port > 65535) fail(`EMULATOR_PORT must be a port number (0-65535), got ${JSON.stringify(portText)}`)

const webhookUrl = env('EMULATOR_WEBHOOK_URL')
const webhookProblem = webhookUrl === undefined ? undefined : httpUrlProblem(webhookUrl, 'EMULATOR_WEBHOOK_URL')
if (webhookProblem !== undefined) fail(`${webhookProblem} Got ${JSON.stringify(webhookUrl)}`)

const publicControls = env('EMULATOR_PUBLIC_CONTROLS') ?? 'false'
if (publicControls !== 'true' && publicControls !== 'false') {
  fail(`EMULATOR_PUBLIC_CONTROLS must be "true" or "false", got ${JSON.stringify(publicControls)}`)
}

const emulator = await startEmulator({
  host: env('EMULATOR_HOST') ?? '127.0.0.1',
  port,
  clientKey: env('TIKTOK_CLIENT_KEY'),
  clientSecret: env('TIKTOK_CLIENT_SECRET'),
  redirectUris: (env('EMULATOR_REDIRECT_URIS') ?? '').split(',').map((u) => u.trim()).filter((u) => u !== ''),
  pkce,
  webhookUrl,
  publicControls: publicControls === 'true',
  logger: true,
  onListening: (url) => { process.stdout.write(`${JSON.stringify({ url })}\n`) }
}).catch((err: Error) => fail(`TikTok emulator could not start: ${err.message}`))

let closing = false
async function shutdown (): Promise<void> {
  if (closing) return
  closing = true
  setTimeout(() => process.exit(1), 5000).unref()
  await emulator.close()
  process.exit(0)
}
process.once('SIGTERM', () => { shutdown().catch(() => process.exit(1)) })
process.once('SIGINT', () => { shutdown().catch(() => process.exit(1)) })
