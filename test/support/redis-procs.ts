import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { LOOPBACK, freePort } from './net.js'
import type { Teardownable } from './teardown.js'
import { waitFor } from './wait.js'

// Private redis-server processes for tests that need a Redis of their own (a Cluster, a
// Sentinel group, one to kill and restart): loopback ports, a temp dir, killed on teardown.
// The shared Redis on 6379 is never touched from here.

// From PATH (/usr/bin with the apt package that .ci/run installs).
const REDIS_SERVER = 'redis-server'
const REDIS_CLI = 'redis-cli'
const run = promisify(execFile)

// A test process that dies without its teardown (a crash) still takes its servers with it.
const live = new Set<ChildProcess>()
process.on('exit', () => { for (const p of live) p.kill('SIGKILL') })

/** One RESP command over a raw socket, answered within `timeoutMs` (null: no answer). */
export async function rawCommand (port: number, args: string[], timeoutMs = 500): Promise<string | null> {
  return await new Promise((resolve) => {
    const socket = net.connect({ host: LOOPBACK, port })
    let got = ''
    const done = (v: string | null): void => { socket.destroy(); resolve(v) }
    socket.setTimeout(timeoutMs, () => done(null))
    socket.on('error', () => done(null))
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`))
    socket.on('data', (d) => { got += d.toString(); if (got.endsWith('\r\n')) done(got) })
  })
}

export interface RedisProc {
  readonly port: number
  readonly dir: string
  /** host:port */
  readonly addr: string
  readonly url: string
  readonly pid: number | undefined
  /** redis-cli against this server; resolves with its trimmed output. */
  cli (...args: string[]): Promise<string>
  /** Kills the process (SIGKILL: no shutdown save) and waits for it to exit. */
  kill (): Promise<void>
  /** Starts it again on the same port and dir (an AOF, when enabled, brings its data back). */
  restart (): Promise<void>
  signal (sig: NodeJS.Signals): void
}

export interface RedisOptions {
  /** Extra `--name value` arguments. */
  args?: string[]
  /** Append-only file with fsync on every write, so a restart keeps every acknowledged write. */
  persist?: boolean
  /** A config file to start from (sentinels need one they can rewrite). */
  config?: string
  sentinel?: boolean
}

async function spawnServer (port: number, dir: string, argv: string[]): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, argv, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  live.add(child)
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000) })
  let exited = false
  child.once('exit', () => { exited = true; live.delete(child) })
  try {
    await waitFor(`redis-server on port ${port}`, async () => {
      if (exited) throw new Error(`redis-server on port ${port} exited: ${stderr}`)
      return (await rawCommand(port, ['PING'])) === '+PONG\r\n'
    }, 15_000, 50)
  } catch (err) {
    await stop(child)
    throw err
  }
  return child
}

async function stop (child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

export async function startRedis (t: Teardownable, opts: RedisOptions = {}): Promise<RedisProc> {
  const dir = await mkdtemp(join(tmpdir(), 'bff-redis-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const argv = [
      ...(opts.config === undefined ? [] : [opts.config]),
      ...(opts.sentinel === true ? ['--sentinel'] : []),
      '--port', String(port), '--bind', LOOPBACK, '--dir', dir, '--save', '',
      '--appendonly', opts.persist === true ? 'yes' : 'no',
      ...(opts.persist === true ? ['--appendfsync', 'always'] : []),
      ...(opts.args ?? [])
    ]
    let child: ChildProcess | undefined
    try {
      child = await spawnServer(port, dir, argv)
    } catch (err) {
      if (attempt < 3) continue // the free port was taken meanwhile
      throw err
    }
    const proc: RedisProc = {
      port,
      dir,
      addr: `${LOOPBACK}:${port}`,
      url: `redis://${LOOPBACK}:${port}`,
      get pid () { return child?.pid },
      cli: async (...args) => (await run(REDIS_CLI, ['-h', LOOPBACK, '-p', String(port), ...args], { timeout: 20_000 })).stdout.trim(),
      kill: () => stop(child),
      restart: async () => {
        await stop(child)
        child = await spawnServer(port, dir, argv)
      },
      signal: (sig) => { child?.kill(sig) }
    }
    t.teardown(() => stop(child))
    return proc
  }
}
