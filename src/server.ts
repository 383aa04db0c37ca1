import closeWithGrace from 'close-with-grace'
import { loadConfig, ConfigError } from './config/index.js'
import { buildApp } from './app.js'

// `npm start`: config → app → listen. A bad configuration is one line naming the variable
// and exit 1, never a stack trace or a secret. SIGTERM/SIGINT: stop accepting, finish
// in-flight requests, close Redis, exit 0; a second signal or the deadline forces exit.

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const
/** A repeat within this window is the same stop request delivered twice (see below). */
const DUPLICATE_SIGNAL_MS = 1000

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
  // SIGINT/SIGTERM are counted here rather than by close-with-grace: under `npm start` one
  // Ctrl-C (or a cgroup-wide SIGTERM) reaches the server twice, from the terminal or the
  // service manager and again forwarded by npm, and close-with-grace would take that
  // duplicate for the operator's second signal and abort the in-flight requests.
  const grace = closeWithGrace({ delay: config.shutdownGraceMs, logger: app.log, skip: [...STOP_SIGNALS] }, async ({ err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    await app.close()
  })
  let firstSignalAt: number | undefined
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (firstSignalAt === undefined) {
        firstSignalAt = Date.now()
        app.log.info({ signal }, 'shutting down')
        grace.close()
      } else if (Date.now() - firstSignalAt > DUPLICATE_SIGNAL_MS) {
        app.log.error({ signal }, 'second signal: exiting now')
        process.exit(1)
      }
    })
  }
  await app.listen({ host: config.host, port: config.port })
}

main().catch((err: unknown) => {
  process.stderr.write(`tiktok-bff: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
