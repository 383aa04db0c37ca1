import { randomBytes } from 'node:crypto'
import { PREFIX, cpuMicros, load, median, serviceLogin, startRedis, startServer, startService, type Proc } from './lib.js'

// `npm run bench:ab`: is build B cheaper than build A? Both serve /me at the same time, each
// driven by its own load generator, so both see the same machine (on these shared 2-core
// machines, speed drifts by ±10 % between rounds run one after the other, more than most single
// changes are worth). Per round it prints each one's CPU microseconds per request (from
// /proc/<pid>/stat) and their ratio; the last line is the median ratio B/A.
//
//   A=/path/to/other/dist B=dist npm run bench:ab     (A=reference: the reference server)
//
// A build is a directory with server.js (`npm run build` writes dist/; build another commit in
// a `git worktree` with its own `npm ci`); it runs with the node flags of the `npm start` in the
// package.json beside it. Environment: BENCH_ROUNDS (8), BENCH_SECONDS (4).

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4)
const KEY = randomBytes(32).toString('base64')

async function build (dist: string, redisUrl: string, upstream: string, token?: string): Promise<{ proc: Proc, token: string }> {
  if (dist === 'reference') {
    if (token === undefined) throw new Error('the reference reads the sessions of a service: give it as B')
    return { proc: await startServer('bench/servers/reference.ts', { KEY, PREFIX, REDIS_URL: redisUrl, UPSTREAM: upstream }), token }
  }
  const proc = await startService(redisUrl, upstream, KEY, [], dist)
  return { proc, token: await serviceLogin(proc.url, upstream) }
}

const A = process.env.A
const B = process.env.B ?? 'dist'
if (A === undefined) throw new Error('A=<dist directory or "reference"> is required (B defaults to dist)')
const redis = await startRedis()
const upstream = await startServer('bench/servers/upstream.ts', {})
const b = await build(B, redis.url, upstream.url)
const a = await build(A, redis.url, upstream.url, b.token)
const target = (s: { proc: Proc, token: string }): { url: string, headers: Record<string, string> } => ({ url: `${s.proc.url}/me`, headers: { authorization: `Bearer ${s.token}` } })

// Warm-up (JIT, connection pools), both at once as in the rounds.
await Promise.all([a, b].map(async (s) => await load({ ...target(s), seconds: 3, connections: 25, warmupSeconds: 0 })))

const ratios: number[] = []
for (let round = 1; round <= ROUNDS; round++) {
  const pids = [a, b].map((s) => s.proc.child.pid as number)
  const before = pids.map(cpuMicros)
  const [ra, rb] = await Promise.all([a, b].map(async (s) => await load({ ...target(s), seconds: SECONDS, connections: 25, warmupSeconds: 0 })))
  if (ra === undefined || rb === undefined) throw new Error('no result')
  for (const [name, r] of [['A', ra], ['B', rb]] as const) {
    if (r.non2xx + r.errors > 0) throw new Error(`${name}: ${r.non2xx + r.errors} failed requests`)
  }
  const [ua, ub] = pids.map((pid, i) => (cpuMicros(pid) - (before[i] as number)) / (i === 0 ? ra.requests : rb.requests)) as [number, number]
  ratios.push(ub / ua)
  console.log(`round ${round}: A ${ua.toFixed(0)} µs/request (${ra.rps.toFixed(0)} req/s), B ${ub.toFixed(0)} µs/request (${rb.rps.toFixed(0)} req/s), B/A ${(ub / ua).toFixed(3)}`)
}
for (const p of [a.proc, b.proc, upstream]) await p.stop()
await redis.stop()
console.log(`B/A CPU per request, median of ${ROUNDS} rounds: ${median(ratios).toFixed(3)} (rounds ${ratios.map((r) => r.toFixed(2)).join(' ')})`)
