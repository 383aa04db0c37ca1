import { Type, type Static } from 'typebox'

// The environment the service reads (README "Configuration"). env-schema applies defaults and coerces
// integers; src/config/index.ts then checks what a JSON schema cannot (URLs, keys, pairs).
const Int = (def: number, minimum = 0, maximum = 2_147_483_647) =>
  Type.Integer({ default: def, minimum, maximum })
const Opt = () => Type.Optional(Type.String())

export const EnvSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development' }),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Int(3000, 0, 65535),
  PUBLIC_BASE_URL: Opt(),
  TIKTOK_CLIENT_KEY: Opt(),
  TIKTOK_CLIENT_SECRET: Opt(),
  TIKTOK_AUTH_BASE_URL: Type.String({ default: 'https://www.tiktok.com' }),
  TIKTOK_API_BASE_URL: Type.String({ default: 'https://open.tiktokapis.com' }),
  TIKTOK_SCOPES: Type.String({ default: 'user.info.basic,user.info.profile,user.info.stats' }),
  TIKTOK_TIMEOUT_MS: Int(5000, 1, 600_000),
  REDIS_URL: Opt(),
  REDIS_CLUSTER_NODES: Opt(),
  REDIS_SENTINELS: Opt(),
  REDIS_SENTINEL_NAME: Opt(),
  REDIS_PASSWORD: Opt(),
  REDIS_SENTINEL_PASSWORD: Opt(),
  REDIS_TLS: Type.String({ default: 'false' }),
  REDIS_KEY_PREFIX: Type.String({ default: 'tiktok-bff:' }),
  REDIS_COMMAND_TIMEOUT_MS: Int(1000, 1, 600_000),
  TOKEN_ENCRYPTION_KEYS: Opt(),
  APP_REDIRECT_URIS: Opt(),
  INTERNAL_API_KEYS: Opt(),
  SESSION_TTL_SECONDS: Type.Optional(Type.Integer({ minimum: 60, maximum: 2_147_483_647 })),
  SESSION_IDLE_TIMEOUT_SECONDS: Int(2_592_000, 1),
  TIKTOK_WEBHOOK_TOLERANCE_SECONDS: Int(300, 1, 86_400),
  TRUST_PROXY: Type.String({ default: 'false' }),
  RATE_LIMIT_AUTH_PER_MINUTE: Int(300),
  RATE_LIMIT_ME_PER_MINUTE: Int(0),
  RATE_LIMIT_INTERNAL_PER_MINUTE: Int(6000),
  SHUTDOWN_GRACE_MS: Int(10_000, 1, 600_000),
  // A pattern, not a union of literals: its error names the levels ("must be equal to constant" does not).
  LOG_LEVEL: Type.String({ default: 'info', pattern: '^(fatal|error|warn|info|debug|trace|silent)$' })
})

export type Env = Static<typeof EnvSchema>
