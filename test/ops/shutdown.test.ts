import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { auth, testEnv } from '../helper.js'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { ROOT, npmStartArgv } from '../support/service.js'
import { until } from '../support/wait.js'
import { httpLogin, jsonLines, listeningUrl, spawnServer, waitForLog, type ServerProcess } from './fixtures/server-process.js'

// Graceful shutdown of the built server, started as the image starts it (`node dist/server.js`)
// and as `npm start` does: `npm run build`'s compiler and tsconfig write into a temp directory
// beside a copy of package.json (the shared dist/ belongs to whoever builds last). On
// SIGTERM/SIGINT it stops accepting, finishes the in-flight request (a slow TikTok call),
// closes Redis (a QUIT reaches a private redis-server) and exits 0; a second signal or the
// deadline forces exit 1.

// Several processes and a build: far more than tap's default per-file budget on a busy machine.
t.setTimeout(600_000)

const BUILD = mkdtempSync(join(tmpdir(), 'bff-ops-build-'))
t.teardown(() => rmSync(BUILD, { recursive: true, force: true }))
execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(BUILD, 'dist')], { stdio: 'inherit', timeout: 180_000 })
copyFileSync(join(ROOT, 'package.json'), join(BUILD, 'package.json'))
symlinkSync(join(ROOT, 'node_modules'), join(BUILD, 'node_modules'))

// The slow call (6 s) fits within both TikTok's budget and the shutdown deadline, with room.
const GRACEFUL = { TIKTOK_TIMEOUT_MS: '60000', SHUTDOWN_GRACE_MS: '30000' }

interface Rig { emulator: Emulator, redis: RedisServer, env: Record<string, string | undefined> }

async function rig (tt: Test, extra: Record<string, string> = {}): Promise<Rig> {
  const emulator = await startEmulator()
  tt.teardown(() => emulator.close())
  const redis = await startRedisServer(tt)
  return { emulator, redis, env: testEnv(emulator.url, { REDIS_URL: redis.url, ...extra }) }
}

// The image's CMD is `npm start`'s command without npm (test/ops/docker.test.ts): node, its flags, the script.
// e.g. ["dist/server.js"], with any node flags npm start gives
const IMAGE_ARGS = npmStartArgv().slice(1)
const image = (tt: Test, env: Rig['env']): ServerProcess =>
  spawnServer(tt, { command: process.execPath, args: IMAGE_ARGS, cwd: BUILD, env })
// Detached: its own process group, as a shell gives a foreground job (Ctrl-C signals the group).
const npmStart = (tt: Test, env: Rig['env']): ServerProcess =>
  spawnServer(tt, { command: 'npm', args: ['start'], cwd: BUILD, env, detached: true })

async function quitCalls (redis: RedisServer): Promise<number> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  try {
    const stats = await client.info('commandstats')
    return Number(/cmdstat_quit:calls=(\d+)/.exec(stats)?.[1] ?? 0)
  } finally {
    client.disconnect()
  }
}

/** A fresh connection (no keep-alive pool): 'refused' once the server no longer accepts. */
function probe (base: string): Promise<number | 'refused' | 'error'> {
  return new Promise((resolve) => {
    const req = http.get(`${base}/health/live`, { agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'error'))
  })
}

/** Half a request sent before the stop, the rest after: it arrives while the server drains. */
async function lateRequest (base: string): Promise<{ finish (): Promise<string> }> {
  const { hostname, port } = new URL(base)
  const socket = net.connect({ host: hostname, port: Number(port) })
  await once(socket, 'connect')
  socket.write(`GET /me HTTP/1.1\r\nHost: ${hostname}\r\n`)
  let raw = ''
  socket.on('data', (d: Buffer) => { raw += d.toString() })
  socket.on('error', () => {})
  return {
    async finish () {
      socket.end('\r\n')
      await once(socket, 'close')
      return raw
    }
  }
}

/** Starts a /me that waits on a slow TikTok, sends the stop signal while it is in flight. */
async function stopDuringSlowMe (r: Rig, server: ServerProcess, stop: () => void) {
  const base = await listeningUrl(server)
  const { token } = await httpLogin(base, r.emulator)
  // Long enough for the stop and the probes below to happen while it is in flight.
  r.emulator.controls.setDelay('user_info', 6000)
  const quitsBefore = await quitCalls(r.redis)
  const state = { settled: false }
  const slow = fetch(`${base}/me`, { headers: auth(token) }).then(async (res) => ({
    status: res.status,
    connection: res.headers.get('connection'),
    body: await res.json() as { data: { user?: { open_id?: string } } }
  })).finally(() => { state.settled = true })
  const late = await lateRequest(base)
  const inFlight = await until(() => r.emulator.controls.counts.user_info === 1)
  stop()
  await waitForLog(server, (l) => l.msg === 'shutting down')
  let refusedWhileInFlight = false
  for (let i = 0; i < 100 && !refusedWhileInFlight && !state.settled; i++) {
    refusedWhileInFlight = (await probe(base)) === 'refused' && !state.settled
    if (!refusedWhileInFlight) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const lateRaw = await late.finish()
  const answer = await slow
  const exit = await server.exited
  return { inFlight, refusedWhileInFlight, lateRaw, answer, exit, quits: (await quitCalls(r.redis)) - quitsBefore }
}

function checkGraceful (tt: Test, res: Awaited<ReturnType<typeof stopDuringSlowMe>>, server: ServerProcess, signal: string): void {
  tt.ok(res.inFlight, 'the upstream call was in flight when the signal came')
  tt.ok(res.refusedWhileInFlight, 'new connections are refused while the request finishes')
  tt.equal(res.answer.status, 200, 'the in-flight request completes')
  tt.type(res.answer.body.data.user?.open_id, 'string')
  tt.equal(res.answer.connection, 'close', 'and its connection ends with it')
  const [head = '', body = ''] = res.lateRaw.split('\r\n\r\n')
  tt.match(head, /^HTTP\/1\.1 503 /, 'a request arriving on an open connection while draining: 503')
  tt.match(head, /\r\nretry-after: \d+\r\n/i)
  tt.match(head, /\r\nconnection: close\r\n/i)
  const late = JSON.parse(body) as { data: unknown, error: { code: string, log_id: string } }
  tt.same(late.data, {})
  tt.equal(late.error.code, 'service_unavailable', 'as the envelope')
  tt.same(res.exit, { code: 0, signal: null }, 'exit 0')
  tt.equal(res.quits, 1, 'Redis was closed with QUIT')
  const logs = jsonLines(server.stdout)
  tt.ok(logs.some((l) => l.msg === 'shutting down' && l.signal === signal), `the server itself received ${signal}`)
  tt.notOk(logs.some((l) => l.msg === 'second signal: exiting now'), 'no forced exit')
  tt.ok(logs.some((l) => l.msg === 'request' && l.route === '/me' && l.status === 200), 'the request was logged')
}

t.test('the image command (node dist/server.js): SIGTERM during a slow request completes it, exit 0', async (tt) => {
  const r = await rig(tt, GRACEFUL)
  const server = image(tt, r.env)
  const res = await stopDuringSlowMe(r, server, () => server.child.kill('SIGTERM'))
  checkGraceful(tt, res, server, 'SIGTERM')
})

t.test('npm start: SIGTERM to npm reaches the server, which shuts down gracefully, exit 0', async (tt) => {
  const r = await rig(tt, GRACEFUL)
  const server = npmStart(tt, r.env)
  const res = await stopDuringSlowMe(r, server, () => server.child.kill('SIGTERM'))
  checkGraceful(tt, res, server, 'SIGTERM')
})

t.test('npm start: Ctrl-C (SIGINT to the group, forwarded again by npm) is one stop, not two', async (tt) => {
  const r = await rig(tt, GRACEFUL)
  const server = npmStart(tt, r.env)
  const res = await stopDuringSlowMe(r, server, () => process.kill(-(server.child.pid as number), 'SIGINT'))
  checkGraceful(tt, res, server, 'SIGINT')
})

/** A server stuck on a TikTok call that will not end in the test's lifetime. */
async function stuck (tt: Test, extra: Record<string, string>) {
  const r = await rig(tt, { TIKTOK_TIMEOUT_MS: '120000', ...extra })
  const server = image(tt, r.env)
  const base = await listeningUrl(server)
  const { token } = await httpLogin(base, r.emulator)
  r.emulator.controls.setDelay('user_info', 60_000)
  const pending = fetch(`${base}/me`, { headers: auth(token) }).then((res) => res.status, () => 'aborted' as const)
  tt.ok(await until(() => r.emulator.controls.counts.user_info === 1), 'the upstream call is in flight')
  server.child.kill('SIGTERM')
  await waitForLog(server, (l) => l.msg === 'shutting down')
  return { server, pending }
}

t.test('a second signal forces exit 1', async (tt) => {
  const { server, pending } = await stuck(tt, {})
  // Past the window in which a repeat counts as the same stop (npm's forwarded copy).
  await new Promise((resolve) => setTimeout(resolve, 1500))
  server.child.kill('SIGTERM')
  tt.same(await server.exited, { code: 1, signal: null })
  tt.equal(await pending, 'aborted', 'the stuck request was cut')
  tt.ok(jsonLines(server.stdout).some((l) => l.msg === 'second signal: exiting now'))
})

t.test('the shutdown deadline forces exit 1', async (tt) => {
  const { server, pending } = await stuck(tt, { SHUTDOWN_GRACE_MS: '1500' })
  tt.same(await server.exited, { code: 1, signal: null })
  tt.equal(await pending, 'aborted', 'the stuck request was cut')
  tt.ok(jsonLines(server.stdout).some((l) => typeof l.msg === 'string' && l.msg.startsWith('killed by timeout')), 'logged as JSON')
})
