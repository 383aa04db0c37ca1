import { startEmulator } from './index.js'

// `npm run emulator`: one JSON line with the URL on stdout, then pino logs.
// A bad variable is one line on stderr naming it, and exit 1.
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

const emulator = await startEmulator({
  host: env('EMULATOR_HOST') ?? '127.0.0.1',
  port,
  clientKey: env('TIKTOK_CLIENT_KEY'),
  clientSecret: env('TIKTOK_CLIENT_SECRET'),
  redirectUris: (env('EMULATOR_REDIRECT_URIS') ?? '').split(',').map((u) => u.trim()).filter((u) => u !== ''),
  pkce,
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
