import { spawn, type ChildProcess } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config/index.js'
import { childEnv } from './child-env.js'
import { captureLogs } from './logs.js'
import { freePort } from './net.js'
import type { Teardownable } from './teardown.js'
import { waitFor } from './wait.js'

// Service instances for multi-instance tests: real processes (`node --import tsx src/server.ts`,
// what `npm start` runs, from source) on ports picked here, or an in-process app listening on
// a loopback port. Either way callers talk HTTP to `url`; every one is stopped on teardown.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const live = new Set<ChildProcess>()
process.on('exit', () => { for (const p of live) p.kill('SIGKILL') })

export interface Instance {
  readonly url: string
  readonly pid: number
  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  logs (): string[]
  /** Sends `signal` and waits for the process to exit. */
  kill (signal?: NodeJS.Signals): Promise<void>
}

async function live200 (url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1000) })
    await res.body?.cancel()
    return res.status === 200
  } catch {
    return false
  }
}

/** One service process with `env` (a full environment, e.g. from testEnv). */
export async function startInstance (t: Teardownable, env: Record<string, string | undefined>): Promise<Instance> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: childEnv({ ...env, HOST: '127.0.0.1', PORT: String(port), SHUTDOWN_GRACE_MS: '2000' }),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  live.add(child)
  const lines: string[] = []
  const keep = (d: Buffer): void => {
    lines.push(...d.toString().split('\n').filter((l) => l !== ''))
    if (lines.length > 300) lines.splice(0, lines.length - 300)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => { live.delete(child); resolve() }))
  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
  }
  t.teardown(() => kill('SIGKILL'))
  const url = `http://127.0.0.1:${port}`
  await waitFor(`instance on port ${port} (/health/live)`, async () => {
    if (child.exitCode !== null) throw new Error(`instance exited with ${child.exitCode}: ${lines.slice(-5).join('\n')}`)
    return await live200(url)
  }, 30_000, 100)
  return { url, pid: child.pid as number, logs: () => [...lines], kill }
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
