import { randomBytes } from 'node:crypto'
import { PREFIX, cpuMicros, load, median, serviceLogin, startRedis, startServer, startService, type Proc } from './lib.js'

// `npm run bench:ab`: is build B cheaper than build A? Both serve /me at the same time, each
// driven by its own load generator, so both see the same machine (on these shared 2-core
// machines, speed drifts by ±10 % between rounds run one after the other, more than most single
// changes are worth). Per round it prints each one's CPU microseconds per request (from
// /proc/<pid>/stat) and their ratio; the last line is the ratio B/A: the geometric mean of two
// legs' medians, the legs run in opposite orders (below).
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
const target = (s: { proc: Proc, token: string }): { url: string, headers: Record<string, string> } => ({ url: `${s.proc.url}/me`, headers: { authorization: `Bearer ${s.token}` } })

// Two legs of ROUNDS / 2 rounds, with the builds started in opposite orders: two copies of the
// same build measured this way differ by up to ±6 % by their order alone (which one starts
// first, whose load generator starts first), so each leg's bias cancels the other's.
const ratios: number[] = []
for (const leg of [0, 1]) {
  // The reference reads the sessions of a service, so a service is always started first.
  const bFirst = leg === 0 || A === 'reference'
  const first = await build(bFirst ? B : A, redis.url, upstream.url)
  const second = await build(bFirst ? A : B, redis.url, upstream.url, first.token)
  const [a, b] = bFirst ? [second, first] : [first, second]

  // Warm-up (JIT, connection pools), both at once as in the rounds.
  await Promise.all([a, b].map(async (s) => await load({ ...target(s), seconds: 3, connections: 25, warmupSeconds: 0 })))

  for (let round = 1; round <= Math.ceil(ROUNDS / 2); round++) {
    const pids = [a, b].map((s) => s.proc.child.pid as number)
    const before = pids.map(cpuMicros)
    // Leg 1 starts B's generator first, leg 2 A's.
    const order = leg === 0 ? [b, a] : [a, b]
    const results = await Promise.all(order.map(async (s) => await load({ ...target(s), seconds: SECONDS, connections: 25, warmupSeconds: 0 })))
    const [ra, rb] = leg === 0 ? [results[1], results[0]] : [results[0], results[1]]
    if (ra === undefined || rb === undefined) throw new Error('no result')
    for (const [name, r] of [['A', ra], ['B', rb]] as const) {
      if (r.non2xx + r.errors > 0) throw new Error(`${name}: ${r.non2xx + r.errors} failed requests`)
    }
    const [ua, ub] = pids.map((pid, i) => (cpuMicros(pid) - (before[i] as number)) / (i === 0 ? ra.requests : rb.requests)) as [number, number]
    ratios.push(ub / ua)
    console.log(`leg ${leg + 1} (${bFirst ? 'B' : 'A'} started first), round ${round}: A ${ua.toFixed(0)} µs/request (${ra.rps.toFixed(0)} req/s), B ${ub.toFixed(0)} µs/request (${rb.rps.toFixed(0)} req/s), B/A ${(ub / ua).toFixed(3)}`)
  }
  for (const p of [a.proc, b.proc]) await p.stop()
}
await upstream.stop()
await redis.stop()
const half = Math.ceil(ROUNDS / 2)
const legs = [median(ratios.slice(0, half)), median(ratios.slice(half))] as [number, number]
console.log(`B/A CPU per request: ${Math.sqrt(legs[0] * legs[1]).toFixed(3)} (geometric mean of the legs' medians ${legs.map((r) => r.toFixed(3)).join(' and ')}; rounds ${ratios.map((r) => r.toFixed(2)).join(' ')})`)
