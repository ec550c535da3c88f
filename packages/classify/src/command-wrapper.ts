/**
 * The small Node program that runs a command for `classifyCommand`: a build entry of its own
 * (dist/command-wrapper.cjs), started as `node command-wrapper.cjs '{"command":…,"args":[…]}'` and
 * never imported. Node's child_process reports no resource usage, so the wrapper spawns the command,
 * waits for it (which reaps it), then reads its own /proc/self/stat: `cutime` and `cstime` hold the
 * CPU time of every child it waited for, and of their descendants that they waited for in turn. The
 * wrapper's own start-up is not counted: only its children's figures are read. The result goes to
 * file descriptor 3 as one JSON object. On Linux a clock tick is 10 ms (USER_HZ = 100), the
 * precision of the figures.
 */
import { spawn } from 'node:child_process'
import { readFileSync, writeSync } from 'node:fs'

/** What the wrapper writes to file descriptor 3: the command could not start, or how it ended. */
export type WrapperResult =
  | { error: { code: string | null; message: string } }
  | {
      /** From spawn to exit, ms. */
      wallMs: number
      code: number | null
      signal: string | null
      /** CPU time of the command and its waited-for descendants, ms; `null` without /proc. */
      cpu: { user: number; system: number } | null
    }

/** What `classifyCommand` passes as the wrapper's one argument. */
export interface WrapperSpec {
  command: string
  args: string[]
}

const TICK_MS = 10

/** CPU time of this process's waited-for children, in clock ticks; `null` where /proc is missing. */
function childTicks(): { user: number; system: number } | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    // Fields after the command name, which is in parentheses and may hold spaces: cutime is the
    // 16th field of the line, the 14th after the name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { user: Number(fields[13]), system: Number(fields[14]) }
  } catch {
    return null
  }
}

function report(result: WrapperResult): never {
  writeSync(3, JSON.stringify(result))
  process.exit(0)
}

const spec = JSON.parse(process.argv[2] ?? '') as WrapperSpec
const before = childTicks()
const start = performance.now()
// Its own process group, so that a stop reaches the command's children too.
const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true })

function stop(): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
  } catch {
    // The group is gone already.
  }
  process.exit(143)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)

child.on('error', (error: NodeJS.ErrnoException) =>
  report({ error: { code: error.code ?? null, message: error.message } }),
)
child.on('exit', (code, signal) => {
  const wallMs = performance.now() - start
  const after = childTicks()
  const cpu =
    before && after
      ? { user: (after.user - before.user) * TICK_MS, system: (after.system - before.system) * TICK_MS }
      : null
  report({ wallMs, code, signal, cpu })
})
