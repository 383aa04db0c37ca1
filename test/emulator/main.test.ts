import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import t from 'tap'
import { exchange, pkce, postJson, REDIRECT_URI } from './fixtures/client.js'
import { startReceiver } from './fixtures/webhook-receiver.js'
import { childEnv } from '../support/child-env.js'

const ROOT = new URL('../../', import.meta.url)

interface Teardown { teardown (fn: () => void): void }

// `node --import tsx` rather than `npx tsx`: npm exec runs the command under `sh -c` and does not
// pass SIGTERM on to it, so the signal must reach main.ts itself.
function run (t: Teardown, env: Record<string, string>): ReturnType<typeof spawn> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts'], {
    cwd: ROOT,
    env: childEnv({ EMULATOR_PORT: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return child
}

t.test('prints one JSON line with its URL, then logs; SIGTERM exits 0', async (t) => {
  const receiver = await startReceiver(t)
  const child = run(t, { TIKTOK_CLIENT_SECRET: 'the-secret-value', EMULATOR_WEBHOOK_URL: receiver.url })
  const exited = once(child, 'exit')
  const lines: string[] = []
  const rl = createInterface({ input: child.stdout! })
  rl.on('line', (line) => lines.push(line))
  const [first] = await once(rl, 'line') as [string]
  const parsed = JSON.parse(first) as Record<string, unknown>
  t.same(Object.keys(parsed), ['url'])
  t.match(parsed.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const url = String(parsed.url)

  const { verifier, challenge } = pkce()
  const issued = await postJson(`${url}/__emulator/controls`, { action: 'issueCode', scopes: ['user.info.basic'], redirectUri: REDIRECT_URI, codeChallenge: challenge })
  const code = String(issued.json.code)
  const res = await exchange(url, { code, code_verifier: verifier, client_secret: 'the-secret-value' })
  t.equal(res.status, 200, 'TIKTOK_CLIENT_SECRET is the accepted secret')
  const removed = await postJson(`${url}/__emulator/controls`, { action: 'removeAccess', openId: String(res.json.open_id) })
  t.same(removed.json, { ok: true, delivered: true, status: 200 }, 'EMULATOR_WEBHOOK_URL receives the webhook')
  t.match(receiver.received[0]?.raw, '"event":"authorization.removed"')

  child.kill('SIGTERM')
  const [status] = await exited as [number | null]
  t.equal(status, 0)
  t.ok(lines.length > 1, 'logs follow the URL line')
  for (const line of lines.slice(1)) t.doesNotThrow(() => JSON.parse(line), 'pino JSON')
  const output = lines.join('\n')
  for (const secret of ['the-secret-value', code, verifier, String(res.json.access_token), String(res.json.refresh_token)]) {
    t.notOk(output.includes(secret), 'no secret in the logs')
  }
})

const BAD: Array<[string, string]> = [['EMULATOR_PKCE', 'plain'], ['EMULATOR_WEBHOOK_URL', 'ftp://example.com/hook'], ['EMULATOR_PUBLIC_CONTROLS', 'yes']]
for (const [name, value] of BAD) {
  t.test(`a bad ${name} is one line on stderr and exit 1`, async (t) => {
    const child = run(t, { [name]: value })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
    const [status] = await once(child, 'exit') as [number | null]
    t.equal(status, 1)
    t.equal(stdout, '')
    t.equal(stderr.trimEnd().split('\n').length, 1, 'one line')
    t.match(stderr, name)
  })
}
