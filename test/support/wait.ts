import { setTimeout as sleep } from 'node:timers/promises'

// Polling, bounded both in time and in rounds, for what has no event to wait on (a port that
// starts answering, a log line, a counter in the emulator).

/** Resolves once `check` is true; throws after `timeoutMs`, or with what `check` throws. */
export async function waitFor (what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (let i = 0; i < 10_000; i++) {
    if (await check()) return
    if (Date.now() > deadline) break
    await sleep(everyMs)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** Whether `check` became true within `tries` polls 50 ms apart (for an assertion on it). */
export async function until (check: () => boolean, tries = 400): Promise<boolean> {
  return await waitFor('a condition', async () => check(), tries * 50, 50).then(() => true, () => check())
}
