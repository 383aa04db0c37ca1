import { spawn } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { ROOT } from '../support/service.js'
import { childEnv } from '../support/child-env.js'

// The service's log destination (pino's own, asynchronous and batched) loses no line when the
// process exits or crashes in the turn it logged them: pino writes what is pending at exit.

for (const mode of ['exit', 'crash'] as const) {
  t.test(`a process that ends (${mode}) in the turn it logged writes every line`, async (t) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/logger/fixtures/log-exit.ts', mode], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const [code] = await once(child, 'exit') as [number | null]
    t.equal(code, mode === 'exit' ? 0 : 1)
    if (mode === 'crash') t.match(err, /crashed on purpose/)
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { i: number, msg: string })
    t.equal(lines.length, 2000, 'every line')
    t.ok(lines.every((l, i) => l.i === i && l.msg === 'line'), 'in order')
  })
}
