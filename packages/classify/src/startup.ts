import { basename } from 'node:path'
import { guarded, runWrapped } from './command-run'
import { type Guard, optional, repeatWithinBudget } from './guard'
import { median } from './median'
import type { ResolvedCommandOptions } from './options'
import type { CommandRun, Startup } from './report'

/**
 * An interpreter's start-up: the CPU time `node` or `python3` spends before it runs a line of the
 * program (tens of ms of CPU, a large share of a short command's). It is measured by running the
 * same interpreter with an empty program, and left out of the share that decides the kind.
 */

/** Interpreters by name, and the arguments of their empty program. */
const interpreters: readonly [RegExp, readonly string[]][] = [
  [/^node(js)?\d*$/, ['-e', '']],
  [/^(python|pypy)\d*(\.\d+)?$/, ['-c', '']],
  [/^ruby\d*(\.\d+)?$/, ['-e', '']],
  [/^perl\d*(\.\d+)*$/, ['-e', '']],
]

/**
 * The interpreter's empty program when `command` is one of the interpreters known to cost tens of ms
 * to start (node, python, pypy, ruby, perl), by its file name; `null` otherwise. A shell starts in
 * about a ms, below the 10 ms precision of the CPU figures, so it is not measured.
 */
export function startupProgram(command: string): { command: string; args: string[] } | null {
  const name = basename(command).replace(/\.exe$/i, '')
  const known = interpreters.find(([pattern]) => pattern.test(name))
  return known ? { command, args: [...known[1]] } : null
}

/** Runs of the empty program: the median of its CPU time and wall time are the start-up's. */
const startupRuns = 3

/**
 * The start-up of the command's interpreter: its empty program run through the wrapper up to 3
 * times, as optional work (only when twice the command's slowest run fits in the time left).
 * `null` when the command is no known interpreter, CPU time is not readable, there is no time, or
 * the empty program fails.
 */
export async function measureStartup(
  opts: ResolvedCommandOptions,
  runs: readonly CommandRun[],
  guard: Guard,
): Promise<Startup | null> {
  const program = startupProgram(opts.command)
  if (program === null || runs.some((r) => r.cpuMs === null)) return null
  const once = () => guarded(runWrapped({ ...opts, ...program }), guard)
  const slowest = Math.max(...runs.map((r) => r.wallMs))
  const measured = await optional(
    guard,
    2 * slowest,
    () =>
      repeatWithinBudget(startupRuns, guard, once).catch((error: { code?: unknown }) => {
        // An interpreter that cannot run an empty program (an unusual build): no figure.
        if (error.code === 'ERR_COMMAND_FAILED') return []
        throw error
      }),
    [],
  )
  if (measured.length === 0) return null
  return {
    ...program,
    wallMs: median(measured.map((r) => r.wallMs)),
    cpuMs: median(measured.map((r) => r.cpuMs!)),
    waitMs: measured.every((r) => r.waitMs !== null) ? median(measured.map((r) => r.waitMs!)) : null,
  }
}
