import closeWithGrace from 'close-with-grace'
import { loadConfig, ConfigError } from './config/index.js'
import { buildApp } from './app.js'

// `npm start`: config → app → listen. A bad configuration is one line naming the variable
// and exit 1, never a stack trace or a secret. SIGTERM/SIGINT: stop accepting, finish
// in-flight requests, close Redis, exit 0; a second signal or the deadline forces exit.

const GRACE_MS = Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000)

async function main (): Promise<void> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tiktok-bff: configuration error: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }
  const app = await buildApp(config)
  closeWithGrace({ delay: GRACE_MS }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })
  await app.listen({ host: config.host, port: config.port })
}

main().catch((err: unknown) => {
  process.stderr.write(`tiktok-bff: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
