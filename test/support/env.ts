import { randomBytes } from 'node:crypto'

// The environment a test runs the service with: the emulator as TikTok, the test Redis under a
// key prefix of its own, a fresh encryption key, the app redirect URIs the tests log in with.

/** The shared test Redis: 6379, or the private one `npm test` started (scripts/with-redis.ts). */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const APP_REDIRECT = 'https://app.example.com/oauth/callback'
export const NATIVE_REDIRECT = 'com.example.app:/oauth'
/** The secret of the internal API key `reports` that testEnv configures. */
export const INTERNAL_KEY = 'internal-secret-0123456789abcdef'

export function testEnv (emulatorUrl: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    TIKTOK_CLIENT_KEY: 'emulator-client-key',
    TIKTOK_CLIENT_SECRET: 'emulator-client-secret',
    TIKTOK_AUTH_BASE_URL: emulatorUrl,
    TIKTOK_API_BASE_URL: emulatorUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: `bff-test:${randomBytes(6).toString('hex')}:`,
    TOKEN_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
    APP_REDIRECT_URIS: `${APP_REDIRECT},${NATIVE_REDIRECT}`,
    INTERNAL_API_KEYS: `reports:${INTERNAL_KEY}`,
    LOG_LEVEL: 'info',
    ...extra
  }
}
