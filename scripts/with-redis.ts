// Runs a command (the test runner) against a real Redis: the one answering on 127.0.0.1:6379,
// or, when none answers and redis-server is installed, a private one started for this run on
// a free loopback port (stopped afterwards), by the same code the tests start theirs with.
// Its URL reaches the tests as TEST_REDIS_URL. Also prints tap's totals as a plain
// "N passed, N failed" line.
import { spawn, spawnSync } from 'node:child_process'
import { pings, spawnRedis } from '../test/support/redis-procs.js'

async function privateRedis (): Promise<{ url: string, stop (): Promise<void> }> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    console.error('with-redis: no Redis answers on 127.0.0.1:6379 and redis-server is not installed (apt-get install redis-server).')
    process.exit(1)
  }
  try {
    const redis = await spawnRedis()
    console.log(`with-redis: started a private redis-server on ${redis.addr}`)
    return redis
  } catch (err) {
    console.error(`with-redis: the private redis-server did not start: ${(err as Error).message}`)
    process.exit(1)
  }
}

const [cmd, ...args] = process.argv.slice(2)
if (cmd === undefined) {
  console.error('usage: tsx scripts/with-redis.ts <command> [args…]')
  process.exit(2)
}
let redis = { url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', stop: async () => {} }
if (process.env.TEST_REDIS_URL === undefined && !(await pings(6379))) redis = await privateRedis()

const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, TEST_REDIS_URL: redis.url } })
let buffered = ''
child.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk)
  buffered = (buffered + chunk.toString()).split('\n').slice(-50).join('\n')
})
child.on('exit', (code, signal) => {
  const m = /# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?(?:, todo: (\d+))?(?:, skip: (\d+))?/.exec(buffered)
  if (m !== null) {
    const [pass, fail, skip] = [Number(m[2]), Number(m[3] ?? 0), Number(m[5] ?? 0)]
    console.log(`tests: ${pass} passed, ${fail} failed${skip > 0 ? `, ${skip} skipped` : ''}`)
  }
  redis.stop().finally(() => process.exit(code ?? (signal !== null ? 1 : 0)))
})
