import { performance } from 'node:perf_hooks'
import { type FailedCalls, runSequence, type Task } from './calls'
import { createGuard, type Guard } from './guard'
import { type ClassifyMeasureOptions, resolveMeasureOptions } from './options'
import { otherThreadsDelta, otherThreadTimes, threadTimes, windowWait } from './thread-times'

/** The raw figures of one measured sample (one or more calls of the task, one after another). */
export interface Measurement {
  /** Calls of the task in this sample (tiny tasks are measured in batches). */
  calls: number
  /** Wall-clock time of the sample, ms (performance.now). */
  wallMs: number
  /** Process CPU time in user mode, ms, all threads (process.cpuUsage delta). */
  cpuUserMs: number
  /** Process CPU time in kernel mode, ms, all threads. */
  cpuSystemMs: number
  /** `cpuUserMs + cpuSystemMs`. */
  cpuMs: number
  /**
   * Time the main thread's event loop was busy, ms (eventLoopUtilization `active` delta, plus the
   * time before the event loop started, which is all busy: see `loopActiveMs`).
   */
  mainActiveMs: number
  /** Main-thread event-loop utilization over the sample: `mainActiveMs / wallMs`, 0..1. */
  elu: number
  /** `cpuMs / wallMs`: can exceed 1 when several threads burn CPU at once. */
  cpuRatio: number
  /**
   * CPU time of the thread that ran the task, ms: from /proc/thread-self/schedstat on Linux, from
   * `process.threadCpuUsage` where Node has it, else `null`.
   */
  threadCpuMs: number | null
  /**
   * Time that thread was ready to run but waited for a core (a busy machine), ms, at most
   * `wallMs - threadCpuMs`; Linux only, else `null`.
   */
  threadWaitMs: number | null
  /**
   * Share of time the task's thread was busy, 0..1, corrected for a loaded machine. Where the
   * thread's run-queue wait is known (Linux), that wait is taken out of both busy and wall time (so
   * CPU-bound work reads near 1 and the CPU part of mixed work keeps its share however loaded the
   * machine is), and the result is capped by the CPU time of the thread plus the other threads' (the
   * event loop alone overstates: it counts a wait interrupted by a signal, such as a child process's
   * exit, as busy). Elsewhere: `elu`.
   */
  busy: number
  /**
   * CPU time of the process's other threads (libuv's thread pool, V8's helpers), ms: summed from
   * /proc/self/task on Linux, else `max(0, cpuMs - threadCpuMs)` or `max(0, cpuMs - mainActiveMs)`.
   */
  offMainCpuMs: number
  /** Time those threads waited for a core, ms (Linux), else `null`. */
  offMainWaitMs: number | null
  /**
   * How busy the other threads were, summed: each thread's `cpu / (wallMs - its wait for a core)`
   * on Linux (a thread pool thread computing throughout reads 1 on a loaded machine too), else
   * `offMainCpuMs / wallMs`.
   */
  offMainRatio: number
}

const MIN_CPU_WINDOW_MS = 20

/**
 * The share of time the task's thread was busy, without the time it waited for a core: the lower of
 * the event loop's busy time (never less than the thread's own CPU time within it) and an upper
 * bound from CPU time. That bound is the thread's own CPU time plus the other threads' CPU time
 * (work it may block on, such as garbage collection helpers) and their run-queue time up to as much
 * again. Helpers count up to the thread's own CPU time: they
 * matter when they share its work (parallel GC), while a few ms of background compilation next to a
 * thread that mostly waits (a child process's exit reads as busy to the event loop) would otherwise
 * read as computing.
 */
export function busyShare(t: {
  wallMs: number
  mainActiveMs: number
  threadCpuMs: number
  threadWaitMs: number
  others: { cpuMs: number; waitMs: number } | null
}): number {
  const uncontended = Math.max(t.wallMs - t.threadWaitMs, 1e-6)
  const activeLessWait = Math.max(0, t.mainActiveMs - t.threadWaitMs)
  // A running thread's schedstat CPU time can lag by a scheduler tick (4 ms on some kernels). When
  // the thread had a core for under MIN_CPU_WINDOW_MS of the window (a loaded machine), that lag
  // would swamp the CPU bound, so the event loop's share stands alone.
  if (uncontended < MIN_CPU_WINDOW_MS) return Math.min(1, activeLessWait / uncontended)
  // A wait for a core right after a wake-up falls in the event loop's idle time, not its active
  // time, so active less all waits can fall below the time the thread ran: the loop was busy at
  // least that long (within its active time).
  const eluPart = Math.max(activeLessWait, Math.min(t.mainActiveMs, t.threadCpuMs)) / uncontended
  const helpers = t.others
    ? Math.min(t.others.cpuMs + Math.min(t.others.waitMs, t.others.cpuMs), t.threadCpuMs)
    : 0
  const cpuPart = (t.threadCpuMs + helpers) / uncontended
  return Math.min(1, eluPart, cpuPart)
}

/** When the event loop started, ms on `performance.now()`'s clock; negative before it has. */
function loopStart(): number {
  return performance.nodeTiming.loopStart
}

/**
 * The event loop's active time within a window from `t0` to `t1`, given the utilization delta over
 * it and when the loop started (`loopStartMs`, negative if not yet). Event-loop utilization counts
 * from the loop's start and reads zero before it: a CommonJS script's top level, an ES module's
 * on Node >= 22, and a sync task classified there, which never yields to the loop, all run before
 * it starts. The thread cannot idle outside the loop, so that time is active.
 */
export function loopActiveMs(t0: number, t1: number, eluActiveMs: number, loopStartMs: number): number {
  if (loopStartMs < 0) return t1 - t0
  return Math.min(t1 - t0, Math.max(0, loopStartMs - t0) + eluActiveMs)
}

/** Starts a measurement window; calling the returned function closes it. */
export function startWindow(): (calls: number) => Measurement {
  const others0 = otherThreadTimes()
  const thread0 = threadTimes()
  const elu0 = performance.eventLoopUtilization()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  return (calls) => {
    const t1 = performance.now()
    const wallMs = t1 - t0
    const cpu = process.cpuUsage(cpu0)
    const elu = performance.eventLoopUtilization(elu0)
    const thread1 = threadTimes()
    const cpuUserMs = cpu.user / 1000
    const cpuSystemMs = cpu.system / 1000
    const cpuMs = cpuUserMs + cpuSystemMs
    const safeWall = Math.max(wallMs, 1e-6)
    const mainActiveMs = loopActiveMs(t0, t1, elu.active, loopStart())
    const threadCpuMs = thread0 && thread1 ? Math.max(0, thread1.cpuMs - thread0.cpuMs) : null
    const threadWaitMs =
      threadCpuMs !== null && thread0?.waitMs != null && thread1?.waitMs != null
        ? windowWait(wallMs, threadCpuMs, thread1.waitMs - thread0.waitMs)
        : null
    const others = otherThreadsDelta(others0, otherThreadTimes(), wallMs, threadWaitMs ?? 0)
    const eluShare = Math.min(1, mainActiveMs / safeWall)
    const busy =
      threadCpuMs !== null && threadWaitMs !== null
        ? busyShare({ wallMs, mainActiveMs, threadCpuMs, threadWaitMs, others })
        : eluShare
    const offMainCpuMs = others ? others.cpuMs : Math.max(0, cpuMs - (threadCpuMs ?? mainActiveMs))
    const offMainWaitMs = others ? others.waitMs : null
    return {
      calls,
      wallMs,
      cpuUserMs,
      cpuSystemMs,
      cpuMs,
      mainActiveMs,
      elu: eluShare,
      cpuRatio: cpuMs / safeWall,
      threadCpuMs,
      threadWaitMs,
      busy,
      offMainCpuMs,
      offMainWaitMs,
      offMainRatio: others ? others.share : offMainCpuMs / safeWall,
    }
  }
}

/** Time a sample's thread had a core or was off the run queue, ms: wall time less its wait for a core. */
export function uncontendedMs(m: Measurement): number {
  return m.wallMs - (m.threadWaitMs ?? 0)
}

/** Measures `calls` sequential calls of the task as one sample. */
export async function measureSample(
  task: Task,
  calls: number,
  guard: Guard,
  failed?: FailedCalls,
): Promise<Measurement> {
  const stop = startWindow()
  await runSequence(task, calls, guard, failed)
  return stop(calls)
}

/**
 * Runs `fn` once and returns the raw figures of that run: wall time, process CPU time, main-thread
 * event-loop utilization and the CPU time spent off the main thread. For callers with their own rules.
 */
export async function measure(fn: Task, options?: ClassifyMeasureOptions): Promise<Measurement> {
  const { timeout, signal } = resolveMeasureOptions(fn, options)
  const guard = createGuard(timeout, 'timeout', signal)
  guard.check()
  return measureSample(fn, 1, guard)
}
