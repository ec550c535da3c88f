import { readdirSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { startLoadReading } from '@boundkit/classify'

/** How busy the machine was while a scenario ran: the means of readings taken while it ran. */
export interface MachineLoad {
  /** Threads running or ready to run on the machine, this process's included (mean, count). */
  threads: number
  /** Of those, the threads of other processes (mean, count). */
  otherThreads: number
  /** CPUs of the machine (`os.availableParallelism()`). */
  cpus: number
  /**
   * More threads were ready to run than there are CPUs, and other processes' made at least half a
   * CPU's worth of them (`OTHERS_MIN`): other work took cores from the demo, so its times are
   * slower than on a quiet machine and its speedups off (other work can take more from one way than
   * from the other). The demo's own threads alone never make the machine busy: a scenario that keeps
   * more threads than CPUs busy measures itself.
   */
  busy: boolean
}

/** Other processes' threads ready to run (mean) from which the machine counts as busy, count. */
export const OTHERS_MIN = 0.5

/** How often this process's threads are counted, ms (20 files or so a reading). */
const EVERY_MS = 100

/** Two decimals, for the JSON summary. */
const hundredth = (n: number) => Math.round(n * 100) / 100

/**
 * The load of a scenario from the mean of the machine's threads ready to run and the mean of this
 * process's own (each without the thread that reads), or `null` when either is unknown (off Linux).
 */
export function machineLoad(
  threads: number | null,
  ownThreads: number | null,
  cpus: number,
): MachineLoad | null {
  if (threads === null || ownThreads === null) return null
  const otherThreads = Math.max(0, threads - ownThreads)
  return {
    threads: hundredth(threads),
    otherThreads: hundredth(otherThreads),
    cpus,
    busy: threads > cpus && otherThreads >= OTHERS_MIN,
  }
}

/**
 * This process's threads running or ready to run now, without the thread that reads (it is running
 * as it reads), from /proc/self/task/<tid>/stat; `null` off Linux.
 */
export function ownThreadsNow(): number | null {
  if (process.platform !== 'linux') return null
  let running = 0
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1')
        // The state follows the thread's name, which is in parentheses and may hold spaces.
        if (stat[stat.lastIndexOf(')') + 2] === 'R') running++
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    return null
  }
  return Math.max(0, running - 1)
}

/** Where the readings come from: the machine's (classify's reading of /proc/loadavg) and this process's. */
export interface LoadReaders {
  startMachine: () => () => number | null
  ownNow: () => number | null
}

const procReaders: LoadReaders = { startMachine: startLoadReading, ownNow: ownThreadsNow }

/**
 * Starts reading the load while a scenario runs, until the returned function is called: the
 * machine's threads ready to run every 20 ms, this process's own every 100 ms. The readings are
 * taken on the main thread's event loop, so a long synchronous stretch (the serial baseline of the
 * CPU batch) is read between its items.
 */
export function startMachineLoad(
  readers: LoadReaders = procReaders,
  cpus: number = availableParallelism(),
): () => MachineLoad | null {
  const stopMachine = readers.startMachine()
  const own: number[] = []
  const read = () => {
    const count = readers.ownNow()
    if (count !== null) own.push(count)
  }
  read()
  const timer = setInterval(read, EVERY_MS)
  timer.unref()
  return () => {
    clearInterval(timer)
    read()
    const ownMean = own.length === 0 ? null : own.reduce((a, b) => a + b, 0) / own.length
    return machineLoad(stopMachine(), ownMean, cpus)
  }
}
