import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { freePort } from '../test/support/net.js'
import { loginOver, type Consent } from '../test/support/http.js'
import { spawnChild, waitForLine } from '../test/support/process.js'
import { startService as startServiceProcess, type Service } from '../test/support/service.js'

// The benchmarks' processes, started with the tests' own helpers (test/support/): the servers,
// each in its own process on loopback, a private redis-server, the load generator.

/** A private redis-server, stopped (and its directory removed) by the caller. */
export { spawnRedis as startRedis } from '../test/support/redis-procs.js'

/** A benchmark server: its process (for its pid), its URL, and how to stop it. */
export type Proc = Pick<Service, 'child' | 'url' | 'stop'>

/**
 * A server script (bench/servers/*.ts, through tsx) with `env` on `port` (default: a free one),
 * ready once it printed its `{"url":…}` line: the one way a benchmark server says it is ready.
 */
export async function startServer (script: string, env: Record<string, string>, ready: 'json-line' = 'json-line', fixedPort?: number, execArgv: string[] = []): Promise<Proc> {
  const port = fixedPort ?? await freePort()
  const proc = spawnChild({ command: process.execPath, args: [...execArgv, '--import', 'tsx', script], env: { ...process.env, ...env, PORT: String(port) }, stdout: 'keep', stderr: 'inherit' })
  const line = await waitForLine(proc, (l) => ready === 'json-line' && l.startsWith('{'), 30_000)
  return { child: proc.child, url: (JSON.parse(line) as { url: string }).url, stop: async (signal) => { await proc.stop(signal) } }
}

export interface LoadResult { requests: number, ok: number, non2xx: number, errors: number, rps: number, p50: number, p99: number }

export async function load (opts: { url: string, headers?: Record<string, string>, mode?: 'closed' | 'paced', connections?: number, seconds: number, warmupSeconds?: number, rate?: number }, sampleRssOf?: ChildProcess): Promise<LoadResult & { rssMb?: number }> {
  const args = { headers: {}, mode: 'closed', connections: 50, warmupSeconds: 1, ...opts }
  const gen = spawnChild({ command: process.execPath, args: ['--import', 'tsx', 'bench/load.ts', JSON.stringify(args)], stdout: 'keep', stderr: 'inherit' })
  let rssMb = 0
  const sampler = setInterval(() => { if (sampleRssOf?.pid !== undefined) rssMb = Math.max(rssMb, rssOf(sampleRssOf.pid)) }, 200)
  await gen.exited
  clearInterval(sampler)
  const result = JSON.parse(gen.stdout.join('\n')) as LoadResult
  return sampleRssOf === undefined ? result : { ...result, rssMb }
}

function rssOf (pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? 0 : Number(m[1]) / 1024
  } catch {
    return 0
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

// The service under test, and how each scenario gets its credentials.

export const FIELDS = 'open_id,union_id,avatar_url,avatar_url_100,avatar_large_url,display_name,bio_description,profile_deep_link,is_verified,username,follower_count,following_count,likes_count,video_count'
export const PREFIX = 'bench:'
export const APP = 'https://bench.example.com/cb'
const SCOPES = ['user.info.basic', 'user.info.profile', 'user.info.stats']

async function json<T> (url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init)
  return await res.json() as T
}

async function control<T> (upstream: string, body: object): Promise<T> {
  return await json<T>(`${upstream}/__emulator/controls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

/** A TikTok access token for all scopes, straight from the emulator (the direct scenario). */
export async function directToken (upstream: string): Promise<string> {
  const { code } = await control<{ code: string }>(upstream, { action: 'issueCode', scopes: SCOPES, redirectUri: APP })
  const form = new URLSearchParams({ client_key: 'emulator-client-key', client_secret: 'emulator-client-secret', code, grant_type: 'authorization_code', redirect_uri: APP })
  const t = await json<{ access_token: string }>(`${upstream}/v2/oauth/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() })
  return t.access_token
}

/** The emulator in its own process, as the user who consents: issueCode over its HTTP controls. */
function remoteConsent (upstream: string): Consent {
  return { controls: { issueCode: async (p) => (await control<{ code: string }>(upstream, { action: 'issueCode', ...p })).code } }
}

/** A session token of the service, through its real login: authorize, callback, handoff exchange. */
export async function serviceLogin (service: string, upstream: string): Promise<string> {
  return (await loginOver(service, remoteConsent(upstream), { redirectUri: APP, scopes: SCOPES })).token
}

/**
 * The service as `npm start` runs it (`<dist>/server.js`, built first by `npm run bench`, with
 * npm start's node flags), on a Redis, with the emulator as TikTok and request logs on. SERVER_STDOUT=1 passes its stdout through (its log lines, --trace-gc output).
 */
export async function startService (redisUrl: string, upstream: string, key: string, execArgv: string[] = [], dist = 'dist'): Promise<Proc> {
  const port = await freePort()
  return await startServiceProcess({
    from: { dist },
    port,
    execArgv,
    stdout: process.env.SERVER_STDOUT === '1' ? 'inherit' : 'ignore',
    stderr: 'inherit',
    env: {
      ...process.env,
      // Not production: production refuses plain http, and everything here is on loopback.
      // Nothing else depends on NODE_ENV at run time.
      NODE_ENV: 'benchmark',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: PREFIX,
      TOKEN_ENCRYPTION_KEYS: key,
      TIKTOK_CLIENT_KEY: 'emulator-client-key',
      TIKTOK_CLIENT_SECRET: 'emulator-client-secret',
      TIKTOK_AUTH_BASE_URL: upstream,
      TIKTOK_API_BASE_URL: upstream,
      APP_REDIRECT_URIS: APP,
      LOG_LEVEL: 'info'
    }
  })
}

/** CPU time (user + system) a process has used, in microseconds, from /proc/<pid>/stat. */
export function cpuMicros (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  // utime and stime are fields 14 and 15 of the line: 12 and 13 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) * 1e6 / 100
}
