import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Teardownable } from './teardown.js'
import { waitFor } from './wait.js'

// Every child process the tests, the benchmarks and `npm test` start (service processes,
// benchmark servers, redis-server) is started here: its output kept when asked, stopped with
// a signal and a SIGKILL after a grace period, and killed when this process exits without its
// teardown (a crash, process.exit). A detached child is stopped with its whole process group,
// which may outlive it (npm start's node).

export interface Exit { code: number | null, signal: NodeJS.Signals | null }

/** What becomes of an output stream: kept (read it from the ChildProcProc), passed through, or dropped. */
export type Output = 'keep' | 'inherit' | 'ignore'

export interface SpawnOptions {
  command: string
  args: string[]
  cwd?: string
  /** The child's whole environment (child-env.ts makes them); default: this process's. */
  env?: Record<string, string | undefined>
  /** Its own process group, as a shell gives a foreground job (Ctrl-C signals the group). */
  detached?: boolean
  stdout?: Output
  stderr?: Output
  /** How many of the latest stdout lines to keep (default: all). */
  keepLines?: number
}

export interface ChildProc {
  readonly child: ChildProcess
  readonly pid: number
  /** stdout lines as they come (with stdout 'keep'). */
  readonly stdout: string[]
  /** What it wrote on stderr, its last 64 KiB (with stderr 'keep'). */
  stderr (): string
  readonly exited: Promise<Exit>
  running (): boolean
  /** Sends `signal`, and SIGKILL after `graceMs`; resolves when it has exited. */
  stop (signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>
}

const STDERR_KEPT = 64 * 1024
const live = new Set<() => void>()
process.on('exit', () => { for (const kill of live) kill() })

export function spawnChild (opts: SpawnOptions, t?: Teardownable): ChildProc {
  const stdio = (o: Output = 'keep'): 'pipe' | 'inherit' | 'ignore' => o === 'keep' ? 'pipe' : o
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: opts.detached === true,
    stdio: ['ignore', stdio(opts.stdout), stdio(opts.stderr)]
  })
  const stdout: string[] = []
  let stderr = ''
  if (child.stdout !== null) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line)
      if (opts.keepLines !== undefined && stdout.length > opts.keepLines) stdout.splice(0, stdout.length - opts.keepLines)
    })
  }
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-STDERR_KEPT) })
  const running = (): boolean => child.exitCode === null && child.signalCode === null && child.pid !== undefined
  const send = (signal: NodeJS.Signals): void => {
    try {
      if (opts.detached === true && child.pid !== undefined) process.kill(-child.pid, signal)
      else if (running()) child.kill(signal)
    } catch { /* already gone */ }
  }
  const backstop = (): void => { send('SIGKILL') }
  live.add(backstop)
  // 'close', not 'exit': by then its output is all read. A spawn failure (no such command)
  // may emit 'error' alone.
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }))
    child.once('error', () => resolve({ code: null, signal: null }))
  })
  // Its group may outlive a detached child: the backstop stays until stop().
  exited.then(() => { if (opts.detached !== true) live.delete(backstop) })
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<Exit> => {
    if (running() || opts.detached === true) send(signal)
    const timer = setTimeout(backstop, graceMs)
    const exit = await exited
    clearTimeout(timer)
    live.delete(backstop)
    return exit
  }
  t?.teardown(() => stop('SIGKILL'))
  return { child, pid: child.pid ?? -1, stdout, stderr: () => stderr, exited, running, stop }
}

/** Resolves with the first stdout line that satisfies `match`; rejects if the child exits first. */
export async function waitForLine (proc: ChildProc, match: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
  let found: string | undefined
  await waitFor('a line of output', async () => {
    found = proc.stdout.find(match)
    if (found === undefined && !proc.running()) throw new Error(`the process exited (${String(proc.child.exitCode ?? proc.child.signalCode)}); stderr: ${proc.stderr()}`)
    return found !== undefined
  }, timeoutMs, 50)
  return found as string
}
