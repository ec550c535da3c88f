/**
 * The source of the small Node process that runs a command for `classifyCommand`. Node's
 * child_process reports no resource usage, so the wrapper spawns the command, waits for it (which
 * reaps it), then reads its own /proc/self/stat: `cutime` and `cstime` hold the CPU time of every
 * child it waited for, and of their descendants that they waited for in turn. The wrapper's own
 * start-up is not counted: only its children's figures are read. Results go to file descriptor 3
 * as one JSON object. On Linux a clock tick is 10 ms (USER_HZ = 100), the precision of the figures.
 */
export const wrapperSource = `
'use strict'
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const spec = JSON.parse(process.argv[1])
const tickMs = 10
function childTicks() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { user: Number(fields[13]), system: Number(fields[14]) }
  } catch {
    return null
  }
}
function report(result) {
  fs.writeSync(3, JSON.stringify(result))
  process.exit(0)
}
const before = childTicks()
const start = performance.now()
const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true })
const stop = () => {
  try { process.kill(-child.pid, 'SIGKILL') } catch {}
  process.exit(143)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
child.on('error', (error) => report({ error: { code: error.code ?? null, message: error.message } }))
child.on('exit', (code, signal) => {
  const wallMs = performance.now() - start
  const after = childTicks()
  const cpu = before && after
    ? { user: (after.user - before.user) * tickMs, system: (after.system - before.system) * tickMs }
    : null
  report({ wallMs, code, signal, cpu })
})
`
