import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LOOPBACK, freePort } from './net.js'
import { spawnChild, type ChildProc, type Output } from './process.js'
import type { Teardownable } from './teardown.js'
import { waitFor } from './wait.js'

// The service as a process on a loopback port, ready when /health/live answers: from source
// (`node --import tsx src/server.ts`), or built, as `npm start` runs it (`node <npm start's
// node flags> dist/server.js`), for the benchmarks and for any build directory.

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** `npm start`'s command without `exec`, from the package.json in `dir`: ['node', …flags, 'dist/server.js']. */
export function npmStartArgv (dir = ROOT): string[] {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: { start?: string } }
  return (pkg.scripts?.start ?? '').replace(/^exec\s+/, '').split(/\s+/)
}

/** The sources through tsx, or a build directory (its server.js, with the node flags of the `npm start` beside it). */
export type Build = 'source' | { dist: string }

/** node's arguments, and the directory to run in, for the service from `from`. */
export function serviceCommand (from: Build = 'source', execArgv: string[] = []): { args: string[], cwd: string | undefined } {
  if (from === 'source') return { args: [...execArgv, '--import', 'tsx', 'src/server.ts'], cwd: ROOT }
  const flags = npmStartArgv(dirname(from.dist)).slice(1, -1).filter((w) => w.startsWith('--'))
  return { args: [...flags, ...execArgv, join(from.dist, 'server.js')], cwd: undefined }
}

export interface ServiceOptions {
  from?: Build
  /** Its whole environment (child-env.ts, or this process's); HOST and PORT are set here. */
  env: Record<string, string | undefined>
  /** Default: a free one. */
  port?: number
  /** node flags of its own (e.g. --cpu-prof). */
  execArgv?: string[]
  stdout?: Output
  stderr?: Output
  /** How many of its latest stdout lines to keep (default: all). */
  keepLines?: number
}

export interface Service {
  readonly url: string
  readonly port: number
  readonly child: ChildProcess
  readonly proc: ChildProc
  /** What it wrote, as far as kept (stdout lines, then stderr), for failure messages. */
  logs (): string[]
  /** Sends `signal` (SIGKILL 5 s later if it is still running) and waits for the exit. */
  stop (signal?: NodeJS.Signals): Promise<void>
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

/** One service process, ready to serve; stopped on teardown when a test is given. */
export async function startService (opts: ServiceOptions, t?: Teardownable): Promise<Service> {
  const port = opts.port ?? await freePort()
  const { args, cwd } = serviceCommand(opts.from, opts.execArgv)
  const proc = spawnChild({
    command: process.execPath,
    args,
    cwd,
    env: { ...opts.env, HOST: LOOPBACK, PORT: String(port) },
    stdout: opts.stdout,
    stderr: opts.stderr,
    keepLines: opts.keepLines
  }, t)
  const url = `http://${LOOPBACK}:${port}`
  const logs = (): string[] => [...proc.stdout, ...proc.stderr().split('\n').filter((l) => l !== '')]
  await waitFor(`the service on port ${port} (/health/live)`, async () => {
    if (!proc.running()) throw new Error(`the service exited with ${String(proc.child.exitCode)}: ${logs().slice(-5).join('\n')}`)
    return await live200(url)
  }, 30_000, 100)
  return { url, port, child: proc.child, proc, logs, stop: async (signal) => { await proc.stop(signal) } }
}
