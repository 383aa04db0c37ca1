import { Pool } from 'undici'

// The load generator, one process per run (it must not share an event loop with a server).
// closed: N connections each sending the next request when the previous answer arrived.
// paced: requests sent on a fixed schedule (e.g. 1,000/s) from a microsecond clock; latency is
// measured from the scheduled send time, so a stall is not hidden (no coordinated omission).

interface Args { url: string, headers: Record<string, string>, mode: 'closed' | 'paced', connections: number, seconds: number, warmupSeconds: number, rate?: number }

const args = JSON.parse(process.argv[2] ?? '{}') as Args
const target = new URL(args.url)
const pool = new Pool(target.origin, { connections: args.connections, pipelining: 1, keepAliveTimeout: 60_000 })
const path = target.pathname + target.search
const latencies: number[] = []
let ok = 0
let non2xx = 0
let errors = 0
let measuring = false

async function once (scheduledAt: number): Promise<void> {
  try {
    const res = await pool.request({ method: 'GET', path, headers: args.headers })
    await res.body.dump()
    if (!measuring) return
    if (res.statusCode >= 200 && res.statusCode < 300) ok++
    else non2xx++
    latencies.push(performance.now() - scheduledAt)
  } catch {
    if (measuring) errors++
  }
}

async function closed (until: number): Promise<void> {
  await Promise.all(Array.from({ length: args.connections }, async () => {
    while (performance.now() < until) await once(performance.now())
  }))
}

async function paced (until: number): Promise<void> {
  const interval = 1000 / (args.rate ?? 1000)
  const inflight = new Set<Promise<void>>()
  let next = performance.now()
  while (next < until) {
    while (performance.now() < next) {
      if (next - performance.now() > 2) await new Promise((resolve) => setTimeout(resolve, 1))
      else await new Promise((resolve) => setImmediate(resolve))
    }
    const p = once(next).finally(() => inflight.delete(p))
    inflight.add(p)
    next += interval
  }
  await Promise.all(inflight)
}

const run = args.mode === 'paced' ? paced : closed
await run(performance.now() + args.warmupSeconds * 1000)
measuring = true
const started = performance.now()
await run(started + args.seconds * 1000)
const elapsed = (performance.now() - started) / 1000
measuring = false
await pool.close()

latencies.sort((a, b) => a - b)
const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN
process.stdout.write(JSON.stringify({ requests: ok + non2xx + errors, ok, non2xx, errors, rps: (ok + non2xx) / elapsed, p50: pct(0.5), p99: pct(0.99) }) + '\n')
