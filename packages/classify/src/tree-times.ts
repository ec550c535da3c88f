import { readdirSync, readFileSync } from 'node:fs'

/**
 * The scheduler's figures of a process and its descendants, read from /proc while they run (Linux
 * only): the CPU time of every thread and the time each process's main thread waited for a core.
 * Node reports no such figures for a child process, and the kernel keeps none once it has exited,
 * so they are read every few ms and the last reading of each thread kept.
 */

/** The last figures read of one thread, ns. */
interface ThreadReading {
  run: number
  wait: number
  /** The process's main thread (its id is the process id). */
  main: boolean
}

/** A process's threads, each read from /proc/<pid>/task/<tid>/schedstat, and its children's. */
function readTree(pid: string, into: Map<string, ThreadReading>): void {
  let tids: string[]
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return // It exited.
  }
  for (const tid of tids) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')
      into.set(tid, { run: Number(run), wait: Number(wait), main: tid === pid })
      const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' ')
      for (const child of children) if (child.trim() !== '') readTree(child.trim(), into)
    } catch {
      // The thread exited between the listing and the read.
    }
  }
}

/** CPU time of a process tree's threads and its main threads' waits for a core, ms. */
export interface TreeTimes {
  /** CPU time of every thread seen, ms (up to one reading interval of each is missed). */
  cpuMs: number
  /** Time the main threads waited for a core, ms. */
  waitMs: number
}

/**
 * Reads the tree under `root` every `everyMs` until the returned function is called, which gives
 * the totals of the last reading of each thread; `null` when /proc could not be read at all.
 */
export function watchTree(root: number, everyMs: number): () => TreeTimes | null {
  const seen = new Map<string, ThreadReading>()
  if (process.platform !== 'linux') return () => null
  const read = () => readTree(String(root), seen)
  read()
  const timer = setInterval(read, everyMs)
  return () => {
    clearInterval(timer)
    if (seen.size === 0) return null
    let run = 0
    let wait = 0
    for (const thread of seen.values()) {
      run += thread.run
      if (thread.main) wait += thread.wait
    }
    return { cpuMs: run / 1e6, waitMs: wait / 1e6 }
  }
}
