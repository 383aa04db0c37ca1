import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// A private redis-server for tests that stop, freeze or restart the store: never the shared
// one on 6379. It listens on a free loopback port and keeps an append-only file in its own
// temp directory, so a stop and a start on the same port keep the data (a restarted store
// must serve the same sessions again). Everything is killed and removed on teardown.

interface Teardownable { teardown (fn: () => unknown): void }

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** SIGTERM and wait for the exit (the append-only file is flushed). */
  stop (): Promise<void>
  /** Starts again on the same port and directory; resolves when it answers PING. */
  start (): Promise<void>
  /** SIGSTOP: the TCP connections stay open and nothing answers. */
  pause (): void
  /** SIGCONT. */
  resume (): void
}

export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

/** One PING over a raw socket: true when the server answers +PONG within the budget. */
export function pingRedis (port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok) }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (d) => done(d.toString().startsWith('+PONG')))
  })
}

const alive = (child: ChildProcess | undefined): child is ChildProcess =>
  child !== undefined && child.exitCode === null && child.signalCode === null

export async function startRedisServer (t: Teardownable): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'bff-ops-redis-'))
  let child: ChildProcess | undefined

  async function start (): Promise<void> {
    if (alive(child)) throw new Error('redis-server is already running')
    const proc = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--loglevel', 'warning'
    ], { stdio: 'ignore' })
    child = proc
    // A backstop for a test process that ends without its teardown (process.exit, a failed
    // assertion at top level): the server must not outlive it.
    const reap = (): void => { if (alive(proc)) proc.kill('SIGKILL') }
    process.once('exit', reap)
    proc.once('exit', () => process.removeListener('exit', reap))
    let spawnError: Error | undefined
    proc.on('error', (err) => { spawnError = err })
    // Bounded in count (and so in time): 200 × (≤300 ms ping + 25 ms).
    for (let i = 0; i < 200; i++) {
      if (spawnError !== undefined) throw new Error(`redis-server could not start: ${spawnError.message}`)
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`redis-server exited with ${proc.exitCode ?? proc.signalCode}`)
      if (await pingRedis(port)) return
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`redis-server on port ${port} did not answer`)
  }

  async function stop (): Promise<void> {
    const proc = child
    if (!alive(proc)) return
    proc.kill('SIGCONT')
    const exited = once(proc, 'exit')
    proc.kill('SIGTERM')
    await exited
  }

  t.teardown(async () => {
    const proc = child
    if (alive(proc)) {
      const exited = once(proc, 'exit')
      proc.kill('SIGKILL')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })

  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    pause: () => { if (alive(child)) child.kill('SIGSTOP') },
    resume: () => { if (alive(child)) child.kill('SIGCONT') }
  }
}
