/**
 * The small Node program that runs a command for `classifyCommand`: a build entry of its own
 * (dist/command-wrapper.cjs), started as `node command-wrapper.cjs '{"command":…,"args":[…]}'` and
 * never imported. Node's child_process reports no resource usage, so the wrapper spawns the command,
 * waits for it (which reaps it), then reads its own /proc/self/stat: `cutime` and `cstime` hold the
 * CPU time of every child it waited for, and of their descendants that they waited for in turn. The
 * wrapper's own start-up is not counted: only its children's figures are read. While the command
 * runs, it reads its processes' scheduler figures every 10 ms (their waits for a core, which the
 * kernel keeps nowhere once they exit). The result goes to file descriptor 3 as one JSON object.
 */
import { spawn } from 'node:child_process'
import { writeSync } from 'node:fs'
import { childrenCpu } from './children-cpu'
import { type TreeTimes, watchTree } from './tree-times'

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
      /** The scheduler's figures of the command's processes, read while they ran; `null` without /proc. */
      tree: TreeTimes | null
    }

/** What `classifyCommand` passes as the wrapper's one argument. */
export interface WrapperSpec {
  command: string
  args: string[]
}

/** How often the command's processes are read from /proc, ms. */
const WATCH_MS = 10

function report(result: WrapperResult): never {
  writeSync(3, JSON.stringify(result))
  process.exit(0)
}

const spec = JSON.parse(process.argv[2] ?? '') as WrapperSpec
const before = childrenCpu()
const start = performance.now()
// Its own process group, so that a stop reaches the command's children too.
const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true })
const stopWatch = child.pid === undefined ? () => null : watchTree(child.pid, WATCH_MS)

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

child.on('error', (error: NodeJS.ErrnoException) => {
  stopWatch()
  report({ error: { code: error.code ?? null, message: error.message } })
})
child.on('exit', (code, signal) => {
  const wallMs = performance.now() - start
  const tree = stopWatch()
  const after = childrenCpu()
  const cpu =
    before && after ? { user: after.user - before.user, system: after.system - before.system } : null
  report({ wallMs, code, signal, cpu, tree })
})
