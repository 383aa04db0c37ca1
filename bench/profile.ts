import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { cpuMicros, load, median, serviceLogin, startRedis, startServer, startService, type Proc } from './lib.js'

// `npm run bench:profile`: where /me's CPU goes. The service (dist/) and the reference each run
// alone under the same closed load, both under --cpu-prof; it prints the CPU microseconds each
// spends per request (from /proc/<pid>/stat), the heaviest packages and functions by self
// time, and leaves the .cpuprofile files in bench/profiles/ (Chrome DevTools or speedscope
// open them). PROFILE=0 measures the CPU per request without the profiler's own cost.

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const PROFILE = process.env.PROFILE !== '0'
const TOP = Number(process.env.PROFILE_TOP ?? 30)
const DIR = 'bench/profiles'
const KEY = randomBytes(32).toString('base64')

interface Node { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: Node[], samples: number[], timeDeltas: number[] }

/** Self time by function and by package (node_modules/<pkg>, node:internal, src/…), in ms. */
function summarize (file: string): { functions: Array<[string, number]>, packages: Array<[string, number]>, total: number } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)))
  const fns = new Map<string, number>()
  const pkgs = new Map<string, number>()
  let total = 0
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = (byId.get(id) as Node).callFrame
    total += us
    const where = url.replace(/^file:\/\/.*?\/(node_modules|dist|src)\//, '$1/')
    const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`
    fns.set(fn, (fns.get(fn) ?? 0) + us)
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.startsWith('node:') ? url.split('/').slice(0, 2).join('/') : url === '' ? `(${functionName})` : where.split('/').slice(0, 2).join('/'))
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us)
  }
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([k, v]) => [k, v / 1000])
  return { functions: sorted(fns), packages: sorted(pkgs), total: total / 1000 }
}

async function cpuPerRequest (proc: Proc, url: string, headers: Record<string, string>): Promise<{ us: number, rps: number }> {
  const pid = proc.child.pid as number
  const before = cpuMicros(pid)
  // No warm-up inside the window: the CPU counted is that of the requests counted.
  const r = await load({ url, headers, seconds: SECONDS, connections: 50, warmupSeconds: 0 })
  const used = cpuMicros(pid) - before
  if (r.non2xx + r.errors > 0) throw new Error(`${url}: ${r.non2xx + r.errors} failed requests`)
  return { us: used / r.requests, rps: r.rps }
}

rmSync(DIR, { recursive: true, force: true })
mkdirSync(DIR, { recursive: true })
const redis = await startRedis()
const upstream = await startServer('bench/servers/upstream.ts', {})
// One directory per server: a loader thread (tsx) writes a profile of its own beside the main one.
const profArgs = (name: string): string[] => PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(DIR, name)}`] : []
const me = await startService(redis.url, upstream.url, KEY, profArgs('me'))
const token = await serviceLogin(me.url, upstream.url)
const reference = await startServer('bench/servers/reference.ts', { KEY, PREFIX: 'bench:', REDIS_URL: redis.url, UPSTREAM: upstream.url }, 'json-line', undefined, profArgs('reference'))
const headers = { authorization: `Bearer ${token}` }

// Both warmed up (JIT, connection pools) before anything is counted.
for (const proc of [me, reference]) await load({ url: `${proc.url}/me`, headers, seconds: 2, connections: 50, warmupSeconds: 0 })

const results: Record<'me' | 'reference', Array<{ us: number, rps: number }>> = { me: [], reference: [] }
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, proc] of (round % 2 === 0 ? [['me', me], ['reference', reference]] : [['reference', reference], ['me', me]]) as Array<['me' | 'reference', Proc]>) {
    const r = await cpuPerRequest(proc, `${proc.url}/me`, headers)
    results[name].push(r)
    process.stderr.write(`round ${round + 1} ${name}: ${r.us.toFixed(0)} µs CPU per request, ${r.rps.toFixed(0)} req/s\n`)
  }
}
for (const p of [me, reference, upstream]) await p.stop()
await redis.stop()

const meUs = median(results.me.map((r) => r.us))
const refUs = median(results.reference.map((r) => r.us))
// The machine's speed drifts between rounds: the ratio of each round's pair is steadier.
const pairRatio = median(results.me.map((r, i) => r.us / (results.reference[i] as { us: number }).us))
console.log(`CPU per request (median of ${ROUNDS}${PROFILE ? ', under the profiler' : ''}): me ${meUs.toFixed(0)} µs, reference ${refUs.toFixed(0)} µs; me/reference per round, median ${pairRatio.toFixed(2)}`)
if (PROFILE) {
  for (const name of ['me', 'reference']) {
    // The main thread's profile is the largest.
    const files = readdirSync(join(DIR, name)).map((f) => join(DIR, name, f)).sort((a, b) => statSync(b).size - statSync(a).size)
    if (files[0] === undefined) continue
    const s = summarize(files[0])
    console.log(`\n## ${name}: ${s.total.toFixed(0)} ms sampled (${files[0]})\n### by package`)
    for (const [k, ms] of s.packages) console.log(`${(100 * ms / s.total).toFixed(1).padStart(5)} %  ${k}`)
    console.log('### by function (self time)')
    for (const [k, ms] of s.functions) console.log(`${(100 * ms / s.total).toFixed(1).padStart(5)} %  ${k}`)
  }
}
