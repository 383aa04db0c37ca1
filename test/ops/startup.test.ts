import { randomBytes } from 'node:crypto'
import t from 'tap'
import { REDIS_URL } from '../helper.js'
import { cleanPrefix, jsonLines, listeningUrl, spawnServer } from './fixtures/server-process.js'

// Start-up checks of the real process (`node --import tsx src/server.ts`, what `npm start`
// runs once built): with NODE_ENV=production it refuses to start without TikTok credentials,
// a valid key, or a Redis variable, printing one line on stderr that names the variable: no
// stack trace, no secret, exit 1. The same environment with everything set starts.

// Spawns processes: more than tap's default per-file budget on a busy machine.
t.setTimeout(300_000)

const CLIENT_SECRET = `client-secret-${randomBytes(6).toString('hex')}`
const KEY = randomBytes(32).toString('base64')
const PREFIX = `bff-ops-startup:${randomBytes(6).toString('hex')}:`

const PRODUCTION: Record<string, string> = {
  NODE_ENV: 'production',
  PORT: '0',
  PUBLIC_BASE_URL: 'https://bff.example.com',
  TIKTOK_CLIENT_KEY: 'client-key-1',
  TIKTOK_CLIENT_SECRET: CLIENT_SECRET,
  REDIS_URL,
  REDIS_KEY_PREFIX: PREFIX,
  TOKEN_ENCRYPTION_KEYS: KEY,
  APP_REDIRECT_URIS: 'https://app.example.com/cb',
  LOG_LEVEL: 'info'
}

const server = (tt: Parameters<typeof spawnServer>[0], env: Record<string, string | undefined>) =>
  spawnServer(tt, { command: process.execPath, args: ['--import', 'tsx', 'src/server.ts'], env })

const SHORT_KEY = randomBytes(16).toString('base64')
const REFUSALS: Array<{ name: string, env: Record<string, string | undefined>, variable: string, secret?: string }> = [
  { name: 'no TIKTOK_CLIENT_KEY', env: { TIKTOK_CLIENT_KEY: undefined }, variable: 'TIKTOK_CLIENT_KEY' },
  { name: 'no TIKTOK_CLIENT_SECRET', env: { TIKTOK_CLIENT_SECRET: undefined }, variable: 'TIKTOK_CLIENT_SECRET' },
  { name: 'no TOKEN_ENCRYPTION_KEYS', env: { TOKEN_ENCRYPTION_KEYS: undefined }, variable: 'TOKEN_ENCRYPTION_KEYS' },
  { name: 'a 16-byte TOKEN_ENCRYPTION_KEYS', env: { TOKEN_ENCRYPTION_KEYS: SHORT_KEY }, variable: 'TOKEN_ENCRYPTION_KEYS', secret: SHORT_KEY },
  { name: 'no Redis variable (the in-process store is for development)', env: { REDIS_URL: undefined }, variable: 'REDIS_URL' },
  { name: 'a malformed REDIS_URL carrying a password', env: { REDIS_URL: 'redis//:redis-pass-6d1e@redis.internal:6379' }, variable: 'REDIS_URL', secret: 'redis-pass-6d1e' }
]

for (const r of REFUSALS) {
  t.test(`production refuses to start with ${r.name}`, async (tt) => {
    const proc = server(tt, { ...PRODUCTION, ...r.env })
    const exit = await proc.exited
    tt.same(exit, { code: 1, signal: null }, 'exit 1')
    tt.same(proc.stdout, [], 'nothing on stdout')
    const lines = proc.stderr().split('\n').filter((l) => l !== '')
    tt.ok(lines.length >= 1 && lines.length <= 3, `a few lines at most (${lines.length})`)
    tt.match(lines.join('\n'), new RegExp(`\\b${r.variable}\\b`), 'names the variable')
    tt.notMatch(lines.join('\n'), /^\s+at /m, 'no stack trace')
    for (const secret of [CLIENT_SECRET, KEY, ...(r.secret === undefined ? [] : [r.secret])]) {
      tt.notOk(proc.stderr().includes(secret), 'no secret in the output')
    }
  })
}

t.test('the same production environment with everything set starts, and stops on SIGTERM', async (tt) => {
  cleanPrefix(tt, PREFIX)
  const proc = server(tt, PRODUCTION)
  const base = await listeningUrl(proc)
  const live = await fetch(`${base}/health/live`)
  tt.equal(live.status, 200)
  tt.equal((await fetch(`${base}/health/ready`)).status, 200, 'the store answers')
  proc.child.kill('SIGTERM')
  tt.same(await proc.exited, { code: 0, signal: null })
  tt.equal(proc.stderr(), '', 'nothing on stderr')
  const logs = jsonLines(proc.stdout)
  tt.equal(logs.length, proc.stdout.length, 'every stdout line is pino JSON')
  tt.notOk(proc.stdout.join('\n').includes(CLIENT_SECRET) || proc.stdout.join('\n').includes(KEY), 'no secret in the logs')
})
