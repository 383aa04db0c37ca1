import { startEmulator } from '../../src/emulator/index.js'

// TikTok for the benchmarks: the emulator without request logs and without its 600/min limit.
const emulator = await startEmulator({ port: Number(process.env.PORT), logger: false })
emulator.controls.setRateLimit(1_000_000_000)
process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`)
