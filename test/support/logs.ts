import { Writable } from 'node:stream'
import pino from 'pino'

// Log lines as the tests read them: an app's logger writing into an array, and JSON lines
// picked out of a process's output.

/** A logger at `level` whose every line lands in `lines` (for assertions and secret scans). */
export function captureLogs (level: pino.LevelWithSilent = 'info'): { logger: pino.Logger, lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _enc, cb) { lines.push(...chunk.toString().split('\n').filter((l) => l !== '')); cb() } })
  return { logger: pino({ level }, stream), lines }
}

/** The lines that are JSON objects (pino's), parsed; others (npm's banner) are skipped. */
export function jsonLines (lines: string[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  for (const line of lines) {
    try {
      const v: unknown = JSON.parse(line)
      if (typeof v === 'object' && v !== null) out.push(v as Record<string, unknown>)
    } catch { /* not JSON */ }
  }
  return out
}
