import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { LOOPBACK, freePort } from './net.js'
import { spawnChild, type ChildProc } from './process.js'
import type { Teardownable } from './teardown.js'
import { waitFor } from './wait.js'

// Private redis-server processes, for tests that need a Redis of their own (a Cluster, a
// Sentinel group, one to kill and restart), for the benchmarks, and for `npm test` when no
// Redis answers on 6379: a free loopback port, a temp dir, stopped and removed after.
// The shared Redis on 6379 is never touched from here.

// From PATH (/usr/bin with the apt package that .ci/run installs).
const REDIS_SERVER = 'redis-server'
const REDIS_CLI = 'redis-cli'
const run = promisify(execFile)

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

/** Whether a Redis answers PING on this loopback port. */
export async function pings (port: number): Promise<boolean> {
  return (await rawCommand(port, ['PING'])) === '+PONG\r\n'
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
  /** Kills it and removes its directory. */
  stop (): Promise<void>
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

async function spawnServer (port: number, dir: string, argv: string[]): Promise<ChildProc> {
  const child = spawnChild({ command: REDIS_SERVER, args: argv, cwd: dir, stdout: 'ignore', stderr: 'keep' })
  try {
    await waitFor(`redis-server on port ${port}`, async () => {
      if (!child.running()) throw new Error(`redis-server on port ${port} exited: ${child.stderr().slice(-2000)}`)
      return await pings(port)
    }, 15_000, 50)
  } catch (err) {
    await child.stop('SIGKILL')
    throw err
  }
  return child
}

/** A redis-server of its own; the caller stops it (startRedis: on teardown). */
export async function spawnRedis (opts: RedisOptions = {}): Promise<RedisProc> {
  const dir = await mkdtemp(join(tmpdir(), 'bff-redis-'))
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
    let server: ChildProc
    try {
      server = await spawnServer(port, dir, argv)
    } catch (err) {
      if (attempt < 3) continue // the free port was taken meanwhile
      await rm(dir, { recursive: true, force: true })
      throw err
    }
    const kill = async (): Promise<void> => { await server.stop('SIGKILL') }
    return {
      port,
      dir,
      addr: `${LOOPBACK}:${port}`,
      url: `redis://${LOOPBACK}:${port}`,
      get pid () { return server.child.pid },
      cli: async (...args) => (await run(REDIS_CLI, ['-h', LOOPBACK, '-p', String(port), ...args], { timeout: 20_000 })).stdout.trim(),
      kill,
      restart: async () => {
        await kill()
        server = await spawnServer(port, dir, argv)
      },
      signal: (sig) => { server.child.kill(sig) },
      stop: async () => {
        await kill()
        await rm(dir, { recursive: true, force: true })
      }
    }
  }
}

/** A redis-server of its own for one test, stopped and removed on teardown. */
export async function startRedis (t: Teardownable, opts: RedisOptions = {}): Promise<RedisProc> {
  const proc = await spawnRedis(opts)
  t.teardown(() => proc.stop())
  return proc
}
