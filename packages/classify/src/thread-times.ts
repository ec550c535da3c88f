import { readdirSync, readFileSync } from 'node:fs'

/**
 * The scheduler's figures of the process's threads: CPU time and time spent waiting for a core,
 * read from /proc on Linux (`process.threadCpuUsage` elsewhere, where Node has it).
 */

type ThreadCpu = () => { user: number; system: number }
const threadCpuUsage = (process as unknown as { threadCpuUsage?: ThreadCpu }).threadCpuUsage

export interface ThreadTimes {
  /** CPU time of the calling thread, ms. */
  cpuMs: number
  /** Time the calling thread was ready to run but waited for a core, ms; `null` if unknown. */
  waitMs: number | null
}

let schedstatWorks = process.platform === 'linux'

/**
 * The calling thread's own times. On Linux, /proc/thread-self/schedstat gives nanosecond figures of
 * time on a CPU and time waiting in the run queue; elsewhere `process.threadCpuUsage` (Node >= 23.9)
 * gives CPU time alone; otherwise nothing.
 */
export function threadTimes(): ThreadTimes | null {
  if (schedstatWorks) {
    try {
      const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')
      return { cpuMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 }
    } catch {
      schedstatWorks = false
    }
  }
  if (typeof threadCpuUsage !== 'function') return null
  const usage = threadCpuUsage.call(process)
  return { cpuMs: (usage.user + usage.system) / 1000, waitMs: null }
}

/**
 * Threads of V8's own (garbage collection, compilation) and the inspector's, by the names Node >= 22
 * gives them: their CPU is the engine's housekeeping, not work the task handed off, and on a loaded
 * machine a few ms of it would otherwise read as a busy thread. Node 20 names every thread `node`,
 * so there all other threads count.
 */
const ENGINE_THREADS = /^(V8|DelayedTaskSche|SignalInspector)/

/**
 * A thread's run-queue wait within a window, cut to the time it did not run there. The kernel adds a
 * wait to the counter only when the thread gets a core back, so a window can be charged with a wait
 * longer than the window itself (seen under load: 20 ms of wait in a 3 ms window of a thread that
 * computed all 3 ms), which would leave no time for the thread's own work.
 */
export function windowWait(wallMs: number, cpuMs: number, waitMs: number): number {
  return Math.max(0, Math.min(waitMs, wallMs - cpuMs))
}

/** CPU time and run-queue wait, ms, of each of the process's other threads, by thread id. */
export type OtherThreadTimes = Map<string, [cpuMs: number, waitMs: number]>

/**
 * CPU time and run-queue wait of the process's other threads (libuv's thread pool, worker
 * threads), from /proc/self/task/<tid>/schedstat; `null` where that is not readable.
 */
export function otherThreadTimes(): OtherThreadTimes | null {
  if (!schedstatWorks) return null
  try {
    const self = readFileSync('/proc/thread-self/stat', 'latin1').split(' ', 1)[0]
    const times: OtherThreadTimes = new Map()
    for (const tid of readdirSync('/proc/self/task')) {
      if (tid === self) continue
      try {
        if (ENGINE_THREADS.test(readFileSync(`/proc/self/task/${tid}/comm`, 'latin1'))) continue
        const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')
        times.set(tid, [Number(run) / 1e6, Number(wait) / 1e6])
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return times
  } catch {
    return null
  }
}

/**
 * The other threads' CPU time, their run-queue wait, and their load-corrected busy share: for each
 * thread, its CPU time over the wall time less its own wait for a core and the main thread's (the
 * main thread, kept waiting, cannot hand out the next piece of work), summed. A pool thread
 * computing the whole time reads 1 however loaded the machine is.
 */
export function otherThreadsDelta(
  before: OtherThreadTimes | null,
  after: OtherThreadTimes | null,
  wallMs: number,
  mainWaitMs: number,
): { cpuMs: number; waitMs: number; share: number } | null {
  if (!before || !after) return null
  let cpuMs = 0
  let waitMs = 0
  let share = 0
  for (const [tid, [run, wait]] of after) {
    const [run0, wait0] = before.get(tid) ?? [0, 0]
    const cpu = Math.max(0, run - run0)
    const waited = windowWait(wallMs, cpu, wait - wait0)
    cpuMs += cpu
    waitMs += waited
    share += cpu / Math.max(wallMs - waited - mainWaitMs, cpu, 1e-6)
  }
  return { cpuMs, waitMs, share }
}
