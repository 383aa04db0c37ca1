import type { Controls } from './controls.js'
import type { EmulatorState } from './state.js'
import type { ResolvedOptions } from './types.js'

/**
 * What every route plugin of the emulator shares. Kept apart from types.ts so that types.ts
 * stays a leaf: controls.ts imports it, and it must not import controls.ts back.
 */
export interface EmulatorContext {
  readonly options: ResolvedOptions
  readonly state: EmulatorState
  readonly controls: Controls
}
