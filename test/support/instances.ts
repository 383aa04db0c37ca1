import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config/index.js'
import { childEnv } from './child-env.js'
import { captureLogs } from './logs.js'
import { startService } from './service.js'
import type { Teardownable } from './teardown.js'

// Service instances for multi-instance tests: real processes (service.ts, from source) or an
// in-process app listening on a loopback port. Either way callers talk HTTP to `url`; every
// one is stopped on teardown.

export interface Instance {
  readonly url: string
  readonly pid: number
  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  logs (): string[]
  /** Sends `signal` and waits for the process to exit. */
  kill (signal?: NodeJS.Signals): Promise<void>
}

/** One service process with `env` (a full environment, e.g. from testEnv). */
export async function startInstance (t: Teardownable, env: Record<string, string | undefined>): Promise<Instance> {
  const svc = await startService({ env: childEnv({ ...env, SHUTDOWN_GRACE_MS: '2000' }), keepLines: 300 }, t)
  return { url: svc.url, pid: svc.proc.pid, logs: svc.logs, kill: svc.stop }
}

/** `count` processes with the same environment, started side by side. */
export async function startInstances (t: Teardownable, count: number, env: Record<string, string | undefined>): Promise<Instance[]> {
  return await Promise.all(Array.from({ length: count }, () => startInstance(t, env)))
}

export interface InProcess {
  readonly url: string
  readonly app: FastifyInstance
  readonly config: Config
  readonly logs: string[]
}

/** The app in this process, listening on a loopback port (cheaper than a process). */
export async function startApp (t: Teardownable, env: Record<string, string | undefined>): Promise<InProcess> {
  const config = loadConfig(env)
  const { logger, lines } = captureLogs()
  const app = await buildApp(config, { loggerInstance: logger })
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, app, config, logs: lines }
}
