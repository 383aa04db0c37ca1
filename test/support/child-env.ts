// The environment of a child process a test starts from source (`node --import tsx …`): the
// test process's own, minus what tap injects, plus `env` (an undefined value removes a name).
// - NODE_OPTIONS, TAP*, _TAPJS*: tap's loaders and state, which are not for the child.
// - NO_CHILD_COVERAGE: tap measures its test processes, which load the sources through
//   ts-node. Its spawn hook would also record the coverage of a tsx child, where the same
//   files are other code (tsx emits other lines); merged by file, the two made the coverage
//   report drop or misreport src/ at random.

/** The variable with which tap's process tracking records no coverage for a child. */
export const NO_CHILD_COVERAGE = { _TAPJS_PROCESSINFO_COVERAGE_: '0' } as const

export function childEnv (env: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('TAP') && !k.startsWith('_TAPJS')) out[k] = v
  }
  Object.assign(out, NO_CHILD_COVERAGE)
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete out[k]
    else out[k] = v
  }
  return out
}

/**
 * A clean environment: PATH and HOME, and `env` (an undefined value is left out). Nothing of
 * the test runner's (NODE_OPTIONS, a REDIS_URL) leaks in: the process sees only what a test
 * sets, as a container would.
 */
export function bareEnv (env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...NO_CHILD_COVERAGE }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v
  return out
}
