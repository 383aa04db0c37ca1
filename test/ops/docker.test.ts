import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parse as parseYaml } from 'yaml'
import { build } from '../helper.js'
import { startEmulator } from '../../src/emulator/index.js'
import { loadConfig } from '../../src/config/index.js'
import { ROOT, npmStartArgv } from '../support/service.js'

// The Dockerfile and docker-compose.yml, checked without a Docker engine: the final stage's
// shape and command (the same as `npm start`), its HEALTHCHECK run against a live server,
// and `docker-compose config` in a fresh-clone directory (Debian's docker-compose; .ci/run
// installs it, and its absence fails this test).

// Spawns processes: more than tap's default per-file budget on a busy machine.
t.setTimeout(300_000)

const read = (name: string): string => readFileSync(join(ROOT, name), 'utf8')

interface Instruction { op: string, args: string }
/** Instructions per stage (continuation lines joined, comments dropped). */
function stages (dockerfile: string): Instruction[][] {
  const out: Instruction[][] = []
  const logical = dockerfile.replace(/\\\r?\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  for (const line of logical) {
    const [op = '', ...rest] = line.split(/\s+/)
    const ins = { op: op.toUpperCase(), args: rest.join(' ') }
    if (ins.op === 'FROM') out.push([])
    out[out.length - 1]?.push(ins)
  }
  return out
}

/** `node <argv>` without blocking this process's event loop (the server under test lives here). */
async function node (argv: string[], env: Record<string, string> = {}): Promise<number | null> {
  const child = spawn(process.execPath, argv, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore', timeout: 20_000 })
  const [code] = await once(child, 'exit') as [number | null]
  return code
}

const all = stages(read('Dockerfile'))
const final = all[all.length - 1] ?? []
const args = (op: string, stage = final): string[] => stage.filter((i) => i.op === op).map((i) => i.args)

t.test('the image command and npm start agree', async (t) => {
  const cmd = JSON.parse(args('CMD').at(-1) ?? 'null') as unknown
  t.ok(Array.isArray(cmd), 'CMD in exec form (node is PID 1 and gets the signals)')
  // `exec` only replaces npm's shell with node, so that npm's signals reach the server.
  t.same(npmStartArgv(), cmd)
  t.equal((cmd as string[])[0], 'node')
  t.equal((cmd as string[]).at(-1), 'dist/server.js')
  t.ok((cmd as string[]).slice(1, -1).every((a) => a.startsWith('--')), 'only node\'s own flags in between')
})

t.test('multi-stage, LTS slim, non-root, HOST=0.0.0.0, production dependencies only', async (t) => {
  t.ok(all.length >= 2, 'several stages')
  for (const stage of all) t.match(args('FROM', stage)[0], /^node:(22|24)-slim\b/, 'a current Node LTS slim base')
  const user = args('USER').at(-1) ?? 'root'
  t.notMatch(user, /^(root|0)(:|$)/, `runs as ${user}, not root`)
  t.match(args('ENV').join(' '), /\bHOST=0\.0\.0\.0\b/)
  t.match(args('ENV').join(' '), /\bNODE_ENV=production\b/)
  const copies = args('COPY')
  t.notOk(copies.some((c) => /(^|\s)src\b/.test(c)), 'no source in the final stage')
  t.notOk(args('RUN').some((r) => /npm (ci|install)/.test(r) && !/--omit=dev/.test(r)), 'no dev install in the final stage')
  // node_modules comes from a stage that installed with --omit=dev; dist from the build.
  const fromStage = (path: string): Instruction[] | undefined => {
    const name = /--from=(\S+)/.exec(copies.find((c) => c.includes(path)) ?? '')?.[1]
    return all.find((s) => new RegExp(`\\bAS\\s+${name}$`, 'i').test(s[0]?.args ?? ''))
  }
  t.match(args('RUN', fromStage('node_modules')).join(' '), /npm ci --omit=dev/, 'node_modules: npm ci --omit=dev')
  const builder = fromStage('dist') ?? []
  t.match(args('RUN', builder).join(' '), /npm ci\b(?!.*--omit)/, 'the build stage installs the dev dependencies')
  t.match(args('RUN', builder).join(' '), /npm run build/)
})

t.test('.dockerignore lets only what the build copies into the context', async (t) => {
  const rules = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  t.equal(rules[0], '*', 'an allow-list')
  const allowed = rules.slice(1).map((r) => r.replace(/^!/, '').replace(/\/$/, ''))
  const sources = all.flat().filter((i) => i.op === 'COPY' && !i.args.includes('--from=')).flatMap((i) => i.args.split(/\s+/).slice(0, -1))
  t.same(sources.filter((s) => !allowed.includes(s)), [], 'every copied path is allowed')
  for (const secret of ['.env', 'node_modules', '.git']) t.notOk(allowed.includes(secret), `${secret} stays out`)
})

t.test('the HEALTHCHECK command works with no curl: 0 on a live server, 1 when it is down', async (t) => {
  const hc = args('HEALTHCHECK').at(-1) ?? ''
  t.match(hc, /\/health\/live/)
  const argv = JSON.parse(hc.slice(hc.indexOf('CMD') + 3).trim()) as string[]
  t.same(argv.slice(0, 2), ['node', '-e'])
  const ctx = await build(t)
  await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = ctx.app.server.address() as { port: number }
  t.equal(await node(argv.slice(1), { PORT: String(port) }), 0, 'healthy')
  await ctx.app.close()
  t.equal(await node(argv.slice(1), { PORT: String(port) }), 1, 'unhealthy once the server is gone')
})

/** docker-compose in a directory holding only the committed files (no .env). */
function compose (files: Record<string, string>, env: Record<string, string> = {}, ...argv: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'bff-ops-compose-'))
  try {
    for (const [from, to] of Object.entries(files)) copyFileSync(join(ROOT, from), join(dir, to))
    return spawnSync('docker-compose', argv, { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, ...env }, encoding: 'utf8', timeout: 60_000 })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const FRESH = { 'docker-compose.yml': 'docker-compose.yml', Dockerfile: 'Dockerfile', '.dockerignore': '.dockerignore', '.env.example': '.env.example' }

/** A published port, in either form `docker-compose config` writes it (`host:published:target/proto`). */
function port (svc: Service, target: number): { published: string, host_ip?: string } | undefined {
  for (const p of svc.ports ?? []) {
    if (typeof p === 'string') {
      const m = /^(?:([\d.]+):)?(\d+):(\d+)(?:\/\w+)?$/.exec(p)
      if (m !== null && Number(m[3]) === target) return { published: m[2] ?? '', ...(m[1] === undefined ? {} : { host_ip: m[1] }) }
    } else if (Number(p.target) === target) {
      return { published: String(p.published), ...(p.host_ip === undefined ? {} : { host_ip: p.host_ip }) }
    }
  }
  return undefined
}

interface Service { image?: string, build?: unknown, command?: string[], environment?: Record<string, string>, ports?: Array<{ published: number | string, target: number, host_ip?: string } | string>, healthcheck?: { test: string[] }, depends_on?: Record<string, { condition: string }>, env_file?: unknown }

function services (out: string): Record<string, Service> {
  return (parseYaml(out) as { services: Record<string, Service> }).services
}

t.test('docker-compose config -q passes in a fresh clone (no .env, nothing set)', async (t) => {
  const which = spawnSync('docker-compose', ['version'], { encoding: 'utf8' })
  t.equal(which.status, 0, 'docker-compose is installed (.ci/run installs it)')
  const res = compose(FRESH, {}, 'config', '-q')
  t.equal(res.status, 0, res.stderr)
  t.equal(res.stdout, '')
})

t.test('the compose wiring: Redis private and healthy first, the emulator from the same image, an accepted config', async (t) => {
  const res = compose(FRESH, {}, 'config')
  t.equal(res.status, 0, res.stderr)
  const s = services(res.stdout)
  t.same(Object.keys(s).sort(), ['bff', 'emulator', 'redis'])
  const { bff, emulator, redis } = s as Record<'bff' | 'emulator' | 'redis', Service>
  t.notOk(Object.values(s).some((x) => x.env_file !== undefined), 'no env_file')
  t.equal(redis.ports, undefined, 'Redis publishes no port')
  t.ok(redis.healthcheck?.test.join(' ').includes('ping'), 'Redis has a healthcheck')
  t.equal(bff.depends_on?.redis?.condition, 'service_healthy')
  t.equal(emulator.image, bff.image, 'the emulator runs from the service\'s image')
  t.same(emulator.command, ['node', 'dist/emulator/main.js'])
  t.equal(emulator.environment?.EMULATOR_HOST, '0.0.0.0')

  const env = bff.environment ?? {}
  const config = loadConfig(env)
  const published = (svc: Service, target: number): string => String(port(svc, target)?.published)
  t.equal(new URL(config.publicBaseUrl).port, published(bff, Number(env.PORT)), 'PUBLIC_BASE_URL is the published origin (TikTok redirects the browser there)')
  t.equal(new URL(config.tiktok.authBaseUrl).port, published(emulator, Number(emulator.environment?.EMULATOR_PORT)), 'the browser reaches the consent page at the emulator\'s published port')
  t.equal(port(emulator, Number(emulator.environment?.EMULATOR_PORT))?.host_ip, '127.0.0.1', 'published on the host\'s loopback only')
  t.equal(emulator.environment?.EMULATOR_PUBLIC_CONTROLS, 'false', 'its controls answer loopback clients only')
  t.equal(emulator.environment?.EMULATOR_WEBHOOK_URL, 'http://bff:3000/webhooks/tiktok', 'its webhooks reach the service')
  t.equal(config.tiktok.apiBaseUrl, `http://emulator:${emulator.environment?.EMULATOR_PORT}`, 'the service reaches the API over the compose network')
  t.equal(config.tiktok.clientKey, emulator.environment?.TIKTOK_CLIENT_KEY, 'the emulator\'s credentials')
  t.equal(config.tiktok.clientSecret, emulator.environment?.TIKTOK_CLIENT_SECRET)
  t.same(config.store.redis, { kind: 'url', url: 'redis://redis:6379' })
  t.ok(config.appRedirectUris.length > 0, 'an app redirect URI to come back to')
})

t.test('the emulator healthcheck works against a real emulator', async (t) => {
  const res = compose(FRESH, {}, 'config')
  const test = services(res.stdout).emulator?.healthcheck?.test ?? []
  t.same(test.slice(0, 3), ['CMD', 'node', '-e'])
  const emulator = await startEmulator()
  t.teardown(() => emulator.close())
  const script = (test[3] ?? '').replace('127.0.0.1:4010', emulator.url.replace('http://', ''))
  t.equal(await node(['-e', script]), 0)
})

t.test('settings come from the environment or .env; .env.example documents every one', async (t) => {
  const withEnv = compose({ ...FRESH, '.env.example': '.env' }, {}, 'config')
  t.equal(withEnv.status, 0, withEnv.stderr)
  t.doesNotThrow(() => loadConfig(services(withEnv.stdout).bff?.environment ?? {}), '.env.example as .env is an accepted config')
  const moved = compose(FRESH, { BFF_PORT: '3100', PUBLIC_BASE_URL: 'http://localhost:3100', LOG_LEVEL: 'debug' }, 'config')
  const bff = services(moved.stdout).bff
  t.equal(String(bff === undefined ? undefined : port(bff, 3000)?.published), '3100')
  t.equal(bff?.environment?.LOG_LEVEL, 'debug')
  const composeLines = read('docker-compose.yml').split('\n').filter((l) => !l.trim().startsWith('#')).join('\n')
  const used = new Set([...composeLines.matchAll(/\$\{(\w+)(?::?-[^}]*)?\}/g)].map((m) => m[1]))
  const documented = new Set([...read('.env.example').matchAll(/^#?\s*(\w+)=/gm)].map((m) => m[1]))
  t.same([...used].filter((v) => !documented.has(v)), [], 'every interpolated variable is in .env.example')
  t.same([...documented].filter((v) => !used.has(v)), [], 'and .env.example has nothing compose ignores')
})
