import { spawn } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { TurnBatchedDestination } from '../../src/logger.js'
import { ROOT } from './fixtures/server-process.js'
import { childEnv } from '../support/child-env.js'

// The log destination hands its sink the lines of one event-loop turn as one string, in
// order, and loses none: not on flush, not when the process exits or crashes in that turn.

function recordingSink (): { writes: string[], flushes: number, syncFlushes: number, write (c: string): boolean, flush (cb: (err?: Error | null) => void): void, flushSync (): void } {
  return {
    writes: [],
    flushes: 0,
    syncFlushes: 0,
    write (c) { this.writes.push(c); return true },
    flush (cb) { this.flushes++; cb(null) },
    flushSync () { this.syncFlushes++ }
  }
}

const turn = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

t.test('the lines of one turn reach the sink as one write, in order', async (t) => {
  const sink = recordingSink()
  const d = new TurnBatchedDestination(sink)
  d.write('a\n')
  d.write('b\n')
  d.write('c\n')
  t.same(sink.writes, [], 'nothing before the turn ends')
  await turn()
  t.same(sink.writes, ['a\nb\nc\n'])
  d.write('d\n')
  await turn()
  t.same(sink.writes, ['a\nb\nc\n', 'd\n'], 'a later turn: a write of its own')
  await turn()
  t.equal(sink.writes.length, 2, 'no empty writes')
})

t.test('flush and flushSync hand over what is held first', async (t) => {
  const sink = recordingSink()
  const d = new TurnBatchedDestination(sink)
  d.write('a\n')
  await new Promise<void>((resolve, reject) => { d.flush((err) => { if (err != null) reject(err); else resolve() }) })
  t.same(sink.writes, ['a\n'])
  t.equal(sink.flushes, 1)
  d.write('b\n')
  d.flushSync()
  t.same(sink.writes, ['a\n', 'b\n'])
  t.equal(sink.syncFlushes, 1)
  await turn()
  t.same(sink.writes, ['a\n', 'b\n'], 'nothing written twice')
})

for (const mode of ['exit', 'crash'] as const) {
  t.test(`a process that ends (${mode}) in the turn it logged writes every line`, async (t) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/ops/fixtures/log-exit.ts', mode], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
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
