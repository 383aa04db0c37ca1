import { createHash, randomBytes } from 'node:crypto'
import os from 'node:os'
import { Redis } from 'ioredis'
import { freePort, load, median, startRedis, startServer, type LoadResult, type Proc } from './lib.js'

// `npm run bench`: every server in its own process on loopback, the load generator in another;
// 3 rounds with the scenario order rotated, medians reported, ratios measured in this one run.
// Scenarios: ceiling (hello world), direct (TikTok's user info on the emulator), reference (the
// least code doing /me's work), me (the service), me_1m (the service on a Redis holding
// 1,000,000 sessions); added latency at a paced 1,000 req/s; RSS under load; Redis bytes per session.

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 1_000_000)
const CONNECTIONS = 50
const FIELDS = 'open_id,union_id,avatar_url,avatar_url_100,avatar_large_url,display_name,bio_description,profile_deep_link,is_verified,username,follower_count,following_count,likes_count,video_count'
const KEY = randomBytes(32).toString('base64')
const PREFIX = 'bench:'
const APP = 'https://bench.example.com/cb'

async function json<T> (url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init)
  return await res.json() as T
}

async function control<T> (upstream: string, body: object): Promise<T> {
  return await json<T>(`${upstream}/__emulator/controls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

async function directToken (upstream: string): Promise<string> {
  const { code } = await control<{ code: string }>(upstream, { action: 'issueCode', scopes: ['user.info.basic', 'user.info.profile', 'user.info.stats'], redirectUri: APP })
  const form = new URLSearchParams({ client_key: 'emulator-client-key', client_secret: 'emulator-client-secret', code, grant_type: 'authorization_code', redirect_uri: APP })
  const t = await json<{ access_token: string }>(`${upstream}/v2/oauth/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() })
  return t.access_token
}

async function serviceLogin (service: string, upstream: string): Promise<string> {
  const verifier = randomBytes(32).toString('base64url')
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  const start = await fetch(`${service}/auth/tiktok/login?${new URLSearchParams({ redirect_uri: APP, code_challenge: challenge, code_challenge_method: 'S256' })}`, { redirect: 'manual' })
  const authorize = new URL(start.headers.get('location') as string)
  const { code } = await control<{ code: string }>(upstream, { action: 'issueCode', scopes: ['user.info.basic', 'user.info.profile', 'user.info.stats'], redirectUri: `${service}/auth/tiktok/callback`, codeChallenge: authorize.searchParams.get('code_challenge') })
  const cb = await fetch(`${service}/auth/tiktok/callback?${new URLSearchParams({ code, state: authorize.searchParams.get('state') as string })}`, { redirect: 'manual' })
  const handoff = new URL(cb.headers.get('location') as string).searchParams.get('code') as string
  const session = await json<{ data: { session: { token: string } } }>(`${service}/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: handoff, code_verifier: verifier }) })
  return session.data.session.token
}

async function startService (redisUrl: string, upstream: string): Promise<Proc> {
  const port = await freePort()
  return await startServer('src/server.ts', {
    NODE_ENV: 'production',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: PREFIX,
    TOKEN_ENCRYPTION_KEYS: KEY,
    TIKTOK_CLIENT_KEY: 'emulator-client-key',
    TIKTOK_CLIENT_SECRET: 'emulator-client-secret',
    TIKTOK_AUTH_BASE_URL: upstream,
    TIKTOK_API_BASE_URL: upstream,
    APP_REDIRECT_URIS: APP,
    LOG_LEVEL: 'info'
  }, 'health', port)
}

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
const me = await startService(redisA.url, upstream.url)
const me1m = await startService(redisB.url, upstream.url)
const token = await serviceLogin(me.url, upstream.url)
const token1m = await serviceLogin(me1m.url, upstream.url)
process.stderr.write(`seeding ${SESSIONS} sessions…\n`)
await seed(redisB.url, token1m, SESSIONS)
const reference = await startServer('bench/servers/reference.ts', { KEY, PREFIX, REDIS_URL: redisA.url, UPSTREAM: upstream.url })
const direct = await directToken(upstream.url)

const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` })
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
