import { createHash, randomBytes } from 'node:crypto'
import os from 'node:os'
import { Redis } from 'ioredis'
import { auth as bearer } from '../test/support/http.js'
import { FIELDS, PREFIX, directToken, load, median, serviceLogin, startRedis, startServer, startService, type LoadResult, type Proc } from './lib.js'

// `npm run bench`: every server in its own process on loopback, the load generator in another;
// 3 rounds with the scenario order rotated, medians reported, ratios measured in this one run.
// Scenarios: ceiling (hello world), direct (TikTok's user info on the emulator), reference (the
// least code doing /me's work), me (the service), me_1m (the service on a Redis holding
// 1,000,000 sessions); added latency at a paced 1,000 req/s; RSS under load; Redis bytes per session.

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 1_000_000)
const CONNECTIONS = 50
const KEY = randomBytes(32).toString('base64')

async function seed (redisUrl: string, token: string, count: number): Promise<void> {
  const redis = new Redis(redisUrl)
  const raw = await redis.get(`${PREFIX}s:{${createHash('sha256').update(token).digest('base64url')}}`) as string
  for (let done = 0; done < count;) {
    const pipe = redis.pipeline()
    for (let i = 0; i < 20_000 && done < count; i++, done++) pipe.set(`${PREFIX}s:{${randomBytes(32).toString('base64url')}}`, raw, 'PX', 3_600_000)
    await pipe.exec()
  }
  redis.disconnect()
}

async function redisBytes (redisUrl: string, token: string): Promise<number> {
  const redis = new Redis(redisUrl)
  const id = createHash('sha256').update(token).digest('base64url')
  const session = Number(await redis.call('MEMORY', 'USAGE', `${PREFIX}s:{${id}}`))
  redis.disconnect()
  return session
}

const redisA = await startRedis()
const redisB = await startRedis()
const upstream = await startServer('bench/servers/upstream.ts', {})
const hello = await startServer('bench/servers/hello.ts', {})
const me = await startService(redisA.url, upstream.url, KEY)
const me1m = await startService(redisB.url, upstream.url, KEY)
const token = await serviceLogin(me.url, upstream.url)
const token1m = await serviceLogin(me1m.url, upstream.url)
process.stderr.write(`seeding ${SESSIONS} sessions…\n`)
await seed(redisB.url, token1m, SESSIONS)
const reference = await startServer('bench/servers/reference.ts', { KEY, PREFIX, REDIS_URL: redisA.url, UPSTREAM: upstream.url })
const direct = await directToken(upstream.url)

const scenarios: Record<string, { url: string, headers: Record<string, string>, proc?: Proc }> = {
  ceiling: { url: `${hello.url}/`, headers: {} },
  direct: { url: `${upstream.url}/v2/user/info/?fields=${FIELDS}`, headers: bearer(direct) },
  reference: { url: `${reference.url}/me`, headers: bearer(token), proc: reference },
  me: { url: `${me.url}/me`, headers: bearer(token), proc: me },
  me_1m: { url: `${me1m.url}/me`, headers: bearer(token1m), proc: me1m }
}
const names = Object.keys(scenarios)
const results: Record<string, Array<LoadResult & { rssMb?: number }>> = Object.fromEntries(names.map((n) => [n, []]))
const paced: Record<string, LoadResult[]> = { direct: [], reference: [], me: [] }

// Every server is warmed up (JIT, connection pools) before the first round counts.
for (const name of names) {
  const s = scenarios[name] as typeof scenarios[string]
  await load({ url: s.url, headers: s.headers, seconds: 2, connections: CONNECTIONS, warmupSeconds: 0 })
}

for (let round = 0; round < ROUNDS; round++) {
  const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)]
  for (const name of order) {
    const s = scenarios[name] as typeof scenarios[string]
    const r = await load({ url: s.url, headers: s.headers, seconds: SECONDS, connections: CONNECTIONS }, s.proc?.child)
    results[name]?.push(r)
    process.stderr.write(`round ${round + 1} ${name}: ${r.rps.toFixed(0)} req/s, non-2xx ${r.non2xx + r.errors}\n`)
  }
  for (const name of Object.keys(paced)) {
    const s = scenarios[name] as typeof scenarios[string]
    paced[name]?.push(await load({ url: s.url, headers: s.headers, seconds: SECONDS, mode: 'paced', rate: 1000, connections: 64 }))
  }
}

const failed = (rs: LoadResult[]): boolean => rs.some((r) => (r.non2xx + r.errors) > 0.01 * Math.max(1, r.requests))
const rps = (n: string): number => median((results[n] ?? []).map((r) => r.rps))
const pp = (n: string, k: 'p50' | 'p99'): number => median((paced[n] ?? []).map((r) => r[k]))
const rss = (n: string): number => Math.max(...(results[n] ?? []).map((r) => r.rssMb ?? 0))
const bytes = await redisBytes(redisA.url, token)

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections`)
console.log('| scenario | req/s (median) | rounds | non-2xx | paced 1000/s p50 ms | p99 ms | peak RSS MB |')
console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: |')
for (const n of names) {
  const p = paced[n] === undefined ? ['', ''] : [pp(n, 'p50').toFixed(2), pp(n, 'p99').toFixed(2)]
  console.log(`| ${n} | ${failed(results[n] ?? []) ? 'FAILED' : rps(n).toFixed(0)} | ${(results[n] ?? []).map((r) => r.rps.toFixed(0)).join(' / ')} | ${(results[n] ?? []).reduce((a, r) => a + r.non2xx + r.errors, 0)} | ${p[0]} | ${p[1]} | ${scenarios[n]?.proc === undefined ? '' : rss(n).toFixed(0)} |`)
}
const addedP50 = pp('me', 'p50') - pp('direct', 'p50')
const addedP99 = pp('me', 'p99') - pp('direct', 'p99')
const refAddedP99 = pp('reference', 'p99') - pp('direct', 'p99')
console.log(`added latency at 1000 req/s: me p50 +${addedP50.toFixed(2)} ms, p99 +${addedP99.toFixed(2)} ms (reference p99 +${refAddedP99.toFixed(2)} ms)`)
console.log(`ratio me/reference=${(rps('me') / rps('reference')).toFixed(2)} me/direct=${(rps('me') / rps('direct')).toFixed(2)} me/ceiling=${(rps('me') / rps('ceiling')).toFixed(2)} me_1m/me=${(rps('me_1m') / rps('me')).toFixed(2)} added_p50_ms=${addedP50.toFixed(2)} added_p99_ms=${addedP99.toFixed(2)} rss_mb=${rss('me').toFixed(0)} rss_reference_mb=${rss('reference').toFixed(0)} redis_bytes_per_session=${bytes}`)

for (const p of [reference, me, me1m, hello, upstream]) await p.stop()
await redisA.stop()
await redisB.stop()
