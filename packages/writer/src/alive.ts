import { readFileSync } from 'node:fs'

/** The largest process id a system can give (`pid_t` is a 32-bit signed integer). */
const MAX_PID = 2 ** 31 - 1

/** Whether `pid` can be a process id: an integer from 1 to 2^31 - 1 (not 0, -1, 1.5 or 1e12). */
export function isPid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isInteger(pid) && pid >= 1 && pid <= MAX_PID
}

/**
 * Whether process `pid` on this host is alive. A zombie (exited or killed, not yet reaped by its
 * parent) is dead: it holds nothing and never runs again. Linux tells its state in `/proc/<pid>/stat`.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
  return !isZombie(pid)
}

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return false
  }
  // `pid (comm) S ...`: the state follows the last ')', as comm may itself hold ') '.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state === 'Z' || state === 'X'
}
