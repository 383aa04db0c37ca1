import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config/index.js'

// Every variable's rejection line (loadConfig's ConfigError): one line that names the variable and says
// what is wrong, never the value when it may be a secret, from a fixture (never process.env).

const CLIENT_SECRET = 'client-secret-7f3a9c'
const KEY = Buffer.alloc(32, 7).toString('base64')
const PRODUCTION: Record<string, string> = {
  NODE_ENV: 'production',
  TIKTOK_CLIENT_KEY: 'client-key-1',
  TIKTOK_CLIENT_SECRET: CLIENT_SECRET,
  REDIS_URL: 'redis://:redis-pass-51ab@redis.internal:6379',
  TOKEN_ENCRYPTION_KEYS: KEY,
  PUBLIC_BASE_URL: 'https://bff.example.com',
  APP_REDIRECT_URIS: 'https://app.example.com/cb',
  INTERNAL_API_KEYS: 'reports:internal-secret-0123456789'
}
const BASE_SECRETS = [CLIENT_SECRET, KEY, 'redis-pass-51ab', 'internal-secret-0123456789']

interface Case { env: Record<string, string | undefined>, variable: string, problem: RegExp, secret?: string }

const SHORT_KEY = Buffer.from('sixteen-byte-key').toString('base64')
const CASES: Case[] = [
  { env: { PORT: 'abc' }, variable: 'PORT', problem: /integer/ },
  { env: { PORT: '70000' }, variable: 'PORT', problem: /65535/ },
  { env: { PUBLIC_BASE_URL: 'ftp://bff.example.com' }, variable: 'PUBLIC_BASE_URL', problem: /http\(s\) URL/ },
  { env: { PUBLIC_BASE_URL: 'https://admin:url-pass-99@bff.example.com' }, variable: 'PUBLIC_BASE_URL', problem: /credentials/, secret: 'url-pass-99' },
  { env: { TIKTOK_CLIENT_KEY: undefined }, variable: 'TIKTOK_CLIENT_KEY', problem: /required/ },
  { env: { TIKTOK_CLIENT_SECRET: undefined }, variable: 'TIKTOK_CLIENT_SECRET', problem: /required/ },
  // Outside production too, unless both TikTok URLs are a loopback emulator.
  { env: { NODE_ENV: 'development', TIKTOK_CLIENT_SECRET: undefined }, variable: 'TIKTOK_CLIENT_SECRET', problem: /required/ },
  { env: { TIKTOK_AUTH_BASE_URL: 'not a url' }, variable: 'TIKTOK_AUTH_BASE_URL', problem: /http\(s\) URL/ },
  { env: { TIKTOK_API_BASE_URL: 'https://user:api-pass-42@open.tiktokapis.com' }, variable: 'TIKTOK_API_BASE_URL', problem: /credentials/, secret: 'api-pass-42' },
  { env: { TIKTOK_SCOPES: ',,' }, variable: 'TIKTOK_SCOPES', problem: /at least one/ },
  { env: { TIKTOK_SCOPES: 'user.info.basic,user.info.everything' }, variable: 'TIKTOK_SCOPES', problem: /unknown scope\(s\): user\.info\.everything/ },
  { env: { TIKTOK_TIMEOUT_MS: '0' }, variable: 'TIKTOK_TIMEOUT_MS', problem: />= 1/ },
  { env: { SHUTDOWN_GRACE_MS: 'soon' }, variable: 'SHUTDOWN_GRACE_MS', problem: /integer/ },
  { env: { SHUTDOWN_GRACE_MS: '0' }, variable: 'SHUTDOWN_GRACE_MS', problem: />= 1/ },
  { env: { REDIS_URL: 'http://redis.internal:6379' }, variable: 'REDIS_URL', problem: /redis:\/\/ or rediss:\/\// },
  { env: { REDIS_URL: 'redis//:typo-pass-77@redis.internal' }, variable: 'REDIS_URL', problem: /redis:\/\//, secret: 'typo-pass-77' },
  { env: { REDIS_URL: undefined }, variable: 'REDIS_URL', problem: /required in production/ },
  { env: { REDIS_CLUSTER_NODES: 'a:7000' }, variable: 'REDIS_URL, REDIS_CLUSTER_NODES', problem: /exactly one/ },
  { env: { REDIS_URL: undefined, REDIS_CLUSTER_NODES: 'node-a' }, variable: 'REDIS_CLUSTER_NODES', problem: /host:port/ },
  { env: { REDIS_URL: undefined, REDIS_SENTINELS: 's1:26379' }, variable: 'REDIS_SENTINEL_NAME', problem: /required with REDIS_SENTINELS/ },
  { env: { REDIS_URL: undefined, REDIS_SENTINELS: 's1', REDIS_SENTINEL_NAME: 'main' }, variable: 'REDIS_SENTINELS', problem: /host:port/ },
  { env: { REDIS_TLS: 'yes' }, variable: 'REDIS_TLS', problem: /true or false/ },
  { env: { REDIS_COMMAND_TIMEOUT_MS: '0' }, variable: 'REDIS_COMMAND_TIMEOUT_MS', problem: />= 1/ },
  { env: { TOKEN_ENCRYPTION_KEYS: undefined }, variable: 'TOKEN_ENCRYPTION_KEYS', problem: /required in production/ },
  { env: { TOKEN_ENCRYPTION_KEYS: SHORT_KEY }, variable: 'TOKEN_ENCRYPTION_KEYS', problem: /32 bytes/, secret: SHORT_KEY },
  { env: { TOKEN_ENCRYPTION_KEYS: `${KEY},not*base64` }, variable: 'TOKEN_ENCRYPTION_KEYS', problem: /32 bytes/, secret: 'not*base64' },
  { env: { APP_REDIRECT_URIS: 'http://evil.example/cb' }, variable: 'APP_REDIRECT_URIS', problem: /https URI/ },
  { env: { INTERNAL_API_KEYS: 'reports:short-pass-3' }, variable: 'INTERNAL_API_KEYS', problem: /at least 128 bits/, secret: 'short-pass-3' },
  // 28 hex characters: 112 bits, though longer than 22 characters.
  { env: { INTERNAL_API_KEYS: 'reports:0123456789abcdef0123456789ab' }, variable: 'INTERNAL_API_KEYS', problem: /at least 128 bits/, secret: '0123456789abcdef0123456789ab' },
  { env: { INTERNAL_API_KEYS: `a:${'k'.repeat(30)},a:${'j'.repeat(30)}` }, variable: 'INTERNAL_API_KEYS', problem: /used twice/, secret: 'k'.repeat(30) },
  { env: { PUBLIC_BASE_URL: 'http://bff.example.com' }, variable: 'PUBLIC_BASE_URL', problem: /https URL in production/ },
  { env: { TIKTOK_AUTH_BASE_URL: 'http://www.tiktok.com' }, variable: 'TIKTOK_AUTH_BASE_URL', problem: /https URL in production/ },
  { env: { TIKTOK_API_BASE_URL: 'http://open.tiktokapis.com' }, variable: 'TIKTOK_API_BASE_URL', problem: /https URL in production/ },
  { env: { TRUST_PROXY: 'yes' }, variable: 'TRUST_PROXY', problem: /hop count/ },
  { env: { TRUST_PROXY: '10.0.0.0/40' }, variable: 'TRUST_PROXY', problem: /CIDR/ },
  { env: { TRUST_PROXY: '0' }, variable: 'TRUST_PROXY', problem: /from 1 to 100/ },
  { env: { SESSION_IDLE_TIMEOUT_SECONDS: '0' }, variable: 'SESSION_IDLE_TIMEOUT_SECONDS', problem: />= 1/ },
  { env: { TIKTOK_WEBHOOK_TOLERANCE_SECONDS: 'soon' }, variable: 'TIKTOK_WEBHOOK_TOLERANCE_SECONDS', problem: /integer/ },
  { env: { INTERNAL_API_KEYS: 'no-colon-secret-0123456789' }, variable: 'INTERNAL_API_KEYS', problem: /name:secret/, secret: 'no-colon-secret-0123456789' },
  { env: { SESSION_TTL_SECONDS: '10' }, variable: 'SESSION_TTL_SECONDS', problem: />= 60/ },
  { env: { RATE_LIMIT_AUTH_PER_MINUTE: '-1' }, variable: 'RATE_LIMIT_AUTH_PER_MINUTE', problem: />= 0/ },
  { env: { RATE_LIMIT_ME_PER_MINUTE: 'lots' }, variable: 'RATE_LIMIT_ME_PER_MINUTE', problem: /integer/ },
  { env: { RATE_LIMIT_INTERNAL_PER_MINUTE: '1.5' }, variable: 'RATE_LIMIT_INTERNAL_PER_MINUTE', problem: /integer/ },
  { env: { LOG_LEVEL: 'loud' }, variable: 'LOG_LEVEL', problem: /fatal\|error\|warn\|info\|debug\|trace\|silent/ }
]

t.test('the production fixture itself is accepted', async (t) => {
  const config = loadConfig(PRODUCTION)
  t.equal(config.production, true)
  t.same(config.warnings, [])
})

t.test('each bad variable: one line naming it and the problem, no secret', async (t) => {
  for (const c of CASES) {
    let caught: unknown
    try { loadConfig({ ...PRODUCTION, ...c.env }) } catch (err) { caught = err }
    const label = `${c.variable} (${JSON.stringify(c.env)})`
    if (!(caught instanceof ConfigError)) {
      t.fail(`${label}: expected a ConfigError, got ${String(caught)}`)
      continue
    }
    t.equal(caught.variable, c.variable, `${label}: names the variable`)
    t.ok(caught.message.startsWith(`${c.variable}: `), `${label}: the line starts with the variable`)
    t.match(caught.message, c.problem, `${label}: says what is wrong`)
    t.notOk(caught.message.includes('\n'), `${label}: one line`)
    for (const secret of [...BASE_SECRETS, ...(c.secret === undefined ? [] : [c.secret])]) {
      t.notOk(caught.message.includes(secret), `${label}: no secret in the line`)
    }
  }
})

t.test('TRUST_PROXY: off by default; true, a hop count, or the proxies\' addresses and ranges', async (t) => {
  t.equal(loadConfig(PRODUCTION).trustProxy, false)
  t.equal(loadConfig({ ...PRODUCTION, TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadConfig({ ...PRODUCTION, TRUST_PROXY: '2' }).trustProxy, 2)
  t.same(loadConfig({ ...PRODUCTION, TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,::1,fd00::/8' }).trustProxy, ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8'])
})

t.test('http is fine outside production (the local emulator)', async (t) => {
  const config = loadConfig({ ...PRODUCTION, NODE_ENV: 'development', PUBLIC_BASE_URL: 'http://127.0.0.1:3000', TIKTOK_API_BASE_URL: 'http://127.0.0.1:4010' })
  t.equal(config.tiktok.apiBaseUrl, 'http://127.0.0.1:4010')
})

t.test('outside production the dev fallbacks are warnings, not refusals', async (t) => {
  const config = loadConfig({ ...PRODUCTION, NODE_ENV: 'development', REDIS_URL: undefined, TOKEN_ENCRYPTION_KEYS: undefined })
  t.equal(config.store.redis.kind, 'memory')
  t.equal(config.encryptionKeys.length, 1)
  t.equal(config.warnings.length, 2)
  t.match(config.warnings.join(' '), /in-process store/)
  t.match(config.warnings.join(' '), /TOKEN_ENCRYPTION_KEYS/)
})
