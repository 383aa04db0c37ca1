import { startRedis } from './redis-procs.js'
import type { Teardownable } from './teardown.js'

// A private redis-server for tests that stop, freeze or restart the store: never the shared
// one on 6379. A redis-procs server with an append-only file fsynced on every write, so a
// stop and a start on the same port keep the data (a restarted store must serve the same
// sessions again). Everything is killed and removed on teardown.

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Kills it and waits for the exit (every acknowledged write is already on disk). */
  stop (): Promise<void>
  /** Starts again on the same port and directory; resolves when it answers PING. */
  start (): Promise<void>
  /** SIGSTOP: the TCP connections stay open and nothing answers. */
  pause (): void
  /** SIGCONT. */
  resume (): void
}

export async function startRedisServer (t: Teardownable): Promise<RedisServer> {
  const proc = await startRedis(t, { persist: true, args: ['--loglevel', 'warning'] })
  return {
    port: proc.port,
    url: proc.url,
    stop: proc.kill,
    // restart() first stops a server still running; here it never is.
    start: proc.restart,
    pause: () => { proc.signal('SIGSTOP') },
    resume: () => { proc.signal('SIGCONT') }
  }
}
