import { readFileSync } from 'node:fs'

/**
 * CPU time of the calling process's waited-for children, from its /proc/self/stat (Linux): the
 * kernel adds a child's CPU time, and that of its own waited-for descendants, to `cutime` and
 * `cstime` when the child is reaped. A clock tick is 10 ms (USER_HZ = 100), the precision of the
 * figures.
 */
export const TICK_MS = 10

/** CPU time of this process's waited-for children, ms, user and system; `null` where /proc is missing. */
export function childrenCpu(): { user: number; system: number } | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    // Fields after the command name, which is in parentheses and may hold spaces: cutime is the
    // 16th field of the line, the 14th after the name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { user: Number(fields[13]) * TICK_MS, system: Number(fields[14]) * TICK_MS }
  } catch {
    return null
  }
}
