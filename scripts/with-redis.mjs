#!/usr/bin/env node
// Runs a command (the test runner) against a real Redis: the one answering on 127.0.0.1:6379,
// or, when none answers and redis-server is installed, a private one started for this run on
// a free loopback port (stopped afterwards). Its URL reaches the tests as TEST_REDIS_URL.
// Also prints tap's totals as a plain "N passed, N failed" line.
import { spawn, spawnSync } from 'node:child_process'
import net from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

function ping (port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (ok) => { socket.destroy(); resolve(ok) }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (d) => done(d.toString().startsWith('+PONG')))
  })
}

function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)) })
    srv.on('error', reject)
  })
}

async function privateRedis () {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    console.error('with-redis: no Redis answers on 127.0.0.1:6379 and redis-server is not installed (apt-get install redis-server).')
    process.exit(1)
  }
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'bff-redis-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
  for (let i = 0; i < 100 && !(await ping(port)); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  if (!(await ping(port))) {
    console.error('with-redis: the private redis-server did not start')
    process.exit(1)
  }
  console.log(`with-redis: started a private redis-server on 127.0.0.1:${port}`)
  return { url: `redis://127.0.0.1:${port}`, stop: () => { child.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }) } }
}

const [cmd, ...args] = process.argv.slice(2)
let redis = { url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', stop: () => {} }
if (process.env.TEST_REDIS_URL === undefined && !(await ping(6379))) redis = await privateRedis()

const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, TEST_REDIS_URL: redis.url } })
let totals
let buffered = ''
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  buffered = (buffered + chunk.toString()).split('\n').slice(-50).join('\n')
})
child.on('exit', (code, signal) => {
  redis.stop()
  const m = /# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?(?:, todo: (\d+))?(?:, skip: (\d+))?/.exec(buffered)
  if (m) {
    totals = { pass: Number(m[2]), fail: Number(m[3] ?? 0), skip: Number(m[5] ?? 0) }
    console.log(`tests: ${totals.pass} passed, ${totals.fail} failed${totals.skip ? `, ${totals.skip} skipped` : ''}`)
  }
  process.exit(code ?? (signal ? 1 : 0))
})
