import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config/index.js'

// The OpenAPI document as the code generates it, with fixed settings so that it does not
// depend on the machine: used by `npm run openapi` and by the drift test.
export async function generateOpenApi (): Promise<{ json: string, yaml: string }> {
  const config = loadConfig({
    NODE_ENV: 'development',
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    TIKTOK_CLIENT_KEY: 'docs',
    TIKTOK_CLIENT_SECRET: 'docs',
    TOKEN_ENCRYPTION_KEYS: Buffer.alloc(32).toString('base64'),
    LOG_LEVEL: 'silent'
  })
  const app = await buildApp(config)
  try {
    await app.ready()
    return {
      json: JSON.stringify(app.swagger(), null, 2) + '\n',
      yaml: app.swagger({ yaml: true })
    }
  } finally {
    await app.close()
  }
}
