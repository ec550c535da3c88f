import { readFileSync } from 'node:fs'

let readable = process.platform === 'linux'

/** Threads running or ready to run on the machine right now (4th field of /proc/loadavg), or `null`. */
function runnableNow(): number | null {
  if (!readable) return null
  try {
    const field = readFileSync('/proc/loadavg', 'latin1').split(' ')[3]!
    const running = Number.parseInt(field, 10)
    if (Number.isInteger(running)) return running
  } catch {}
  readable = false
  return null
}

/** How often the load is read while a command runs, ms. */
const everyMs = 20

/**
 * Starts reading how many threads compete for the machine's cores, every 20 ms, until the returned
 * function is called; it gives the mean count, without the thread that reads it (it is running as it
 * reads), or `null` where /proc/loadavg is not readable (off Linux). The 1-minute load average lags
 * by a minute: a machine that turned busy a few seconds ago still shows its old figure there.
 * The readings are taken on the calling thread's event loop, so none is taken while it is blocked.
 *
 * @example
 * const stop = startLoadReading()
 * await work()
 * const load = stop() // 3.4: threads running or ready to run, on average, while `work` ran
 */
export function startLoadReading(): () => number | null {
  const counts: number[] = []
  const read = () => {
    const count = runnableNow()
    if (count !== null) counts.push(Math.max(0, count - 1))
  }
  read()
  const timer = setInterval(read, everyMs)
  timer.unref()
  return () => {
    clearInterval(timer)
    read()
    return counts.length === 0 ? null : counts.reduce((a, b) => a + b, 0) / counts.length
  }
}
