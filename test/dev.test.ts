import t from 'tap'
import { childEnv } from './support/child-env.js'
import { freePort } from './support/net.js'
import { spawnChild, waitForLine } from './support/process.js'
import { ROOT } from './support/service.js'
import { call, loginOver, type Consent } from './support/http.js'
import type { IssueCodeParams } from '../src/emulator/index.js'
import type { Teardownable } from './support/teardown.js'

// `npm run dev` (src/dev.ts): the emulator and the service with the in-process store, an
// internal API key made for the run and printed (never a constant), and the emulator's webhooks
// wired to the service, so "Remove access" ends the session.

async function startDev (t: Teardownable): Promise<{ base: string, emulator: string, key: string }> {
  const [port, emulatorPort] = [await freePort(), await freePort()]
  const proc = spawnChild({
    command: process.execPath,
    args: ['--import', 'tsx', 'src/dev.ts'],
    cwd: ROOT,
    env: childEnv({ PORT: String(port), EMULATOR_PORT: String(emulatorPort), PUBLIC_BASE_URL: undefined, REDIS_URL: undefined, INTERNAL_API_KEYS: undefined, LOG_LEVEL: 'warn' })
  }, t)
  await waitForLine(proc, (l) => l.includes('to sign in with the emulated TikTok'))
  const keyLine = await waitForLine(proc, (l) => l.includes('Internal API key for this run'))
  return { base: `http://127.0.0.1:${port}`, emulator: `http://127.0.0.1:${emulatorPort}`, key: keyLine.split('Bearer ')[1]?.trim() ?? '' }
}

/** The emulator of another process, through its HTTP controls (loopback). */
function httpConsent (emulator: string): Consent {
  return {
    controls: {
      issueCode: async (p: IssueCodeParams) => {
        const res = await fetch(`${emulator}/__emulator/controls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'issueCode', ...p }) })
        return ((await res.json()) as { code: string }).code
      }
    }
  }
}

t.test('npm run dev: a printed internal key for the run, and TikTok\'s webhooks reach the service', async (t) => {
  const dev = await startDev(t)
  t.match(dev.key, /^[A-Za-z0-9_-]{32}$/, 'a random key is printed')
  const { token } = await loginOver(dev.base, httpConsent(dev.emulator), { redirectUri: `${dev.base}/demo/` })
  const introspect = await call<{ active: boolean }>(dev.base, 'POST', '/internal/introspect', { token: dev.key, json: { token } })
  t.equal(introspect.status, 200, 'the printed key opens /internal/*')
  t.equal(introspect.body?.data.active, true)

  const removed = await fetch(`${dev.emulator}/__emulator/controls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'removeAccess', openId: '723f24d7-e717-40f8-a2b6-cb8464cd23b4' }) })
  t.match(await removed.json(), { ok: true, delivered: true, status: 200 }, 'the emulator delivered its signed webhook to the service')
  t.equal((await call(dev.base, 'GET', '/me', { token })).status, 401, 'and the session has ended')

  const again = await startDev(t)
  t.not(again.key, dev.key, 'another run, another key')
})
