import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

export interface Proc { child: ChildProcess, url: string, stop (): Promise<void> }

const running = new Set<ChildProcess>()
process.on('exit', () => { for (const c of running) c.kill('SIGKILL') })

/** Starts a server script (TypeScript, through tsx) and waits for its `{"url":…}` line. */
export async function startServer (script: string, env: Record<string, string>, waitFor: 'json-line' | 'health' = 'json-line', fixedPort?: number): Promise<Proc> {
  const port = fixedPort ?? await freePort()
  const child = spawn(process.execPath, script.endsWith('.js') ? [script] : ['--import', 'tsx', script], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', waitFor === 'json-line' ? 'pipe' : 'ignore', 'inherit']
  })
  running.add(child)
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
    running.delete(child)
  }
  let url = `http://127.0.0.1:${port}`
  if (waitFor === 'json-line' && child.stdout !== null) {
    const lines = createInterface({ input: child.stdout })
    url = await new Promise<string>((resolve, reject) => {
      lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url))
      child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
    })
    child.stdout.resume()
  } else {
    for (let i = 0; i < 200; i++) {
      const up = await fetch(`${url}/health/live`).then((r) => r.ok, () => false)
      if (up) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return { child, url, stop }
}

export async function startRedis (): Promise<{ url: string, port: number, stop (): Promise<void> }> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'bff-bench-redis-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
  running.add(child)
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true) })
      s.on('error', () => resolve(false))
    })
    if (up) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
      running.delete(child)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface LoadResult { requests: number, ok: number, non2xx: number, errors: number, rps: number, p50: number, p99: number }

export async function load (opts: { url: string, headers?: Record<string, string>, mode?: 'closed' | 'paced', connections?: number, seconds: number, warmupSeconds?: number, rate?: number }, sampleRssOf?: ChildProcess): Promise<LoadResult & { rssMb?: number }> {
  const args = { headers: {}, mode: 'closed', connections: 50, warmupSeconds: 1, ...opts }
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  let rssMb = 0
  const sampler = setInterval(() => { if (sampleRssOf?.pid !== undefined) rssMb = Math.max(rssMb, rssOf(sampleRssOf.pid)) }, 200)
  await new Promise((resolve) => child.once('exit', resolve))
  clearInterval(sampler)
  const result = JSON.parse(out) as LoadResult
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
