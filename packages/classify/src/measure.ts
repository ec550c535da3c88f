import { performance } from 'node:perf_hooks'
import { createGuard, type Guard, taskFailed } from './guard'
import { parseMeasureOptions } from './options'

/** A task to classify: sync or async, called with no arguments. */
export type Task = () => unknown

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
  /** Time the main thread's event loop was busy, ms (eventLoopUtilization `active` delta). */
  mainActiveMs: number
  /** Main-thread event-loop utilization over the sample: `mainActiveMs / wallMs`, 0..1. */
  elu: number
  /** `cpuMs / wallMs`: can exceed 1 when several threads burn CPU at once. */
  cpuRatio: number
  /**
   * CPU time spent off the main thread, ms: `max(0, cpuMs - mainActiveMs)`. A lower bound: the
   * main thread's busy time includes time it waited for a core, so this never overstates.
   */
  offMainCpuMs: number
  /** `offMainCpuMs / wallMs`. */
  offMainRatio: number
  /** CPU time of the calling thread alone, ms, where Node exposes it (`process.threadCpuUsage`), else `null`. */
  threadCpuMs: number | null
}

/** Options of `measure`. */
export interface MeasureOptions {
  /** Give up waiting for the task after this many ms: `ERR_TIMEOUT`. @default 60000 */
  timeout?: number
  /** Stop waiting when aborted: `ERR_ABORTED`. */
  signal?: AbortSignal
}

type ThreadCpu = () => { user: number; system: number }
const threadCpuUsage = (process as unknown as { threadCpuUsage?: ThreadCpu }).threadCpuUsage

function threadCpuMs(): number | null {
  if (typeof threadCpuUsage !== 'function') return null
  const usage = threadCpuUsage.call(process)
  return (usage.user + usage.system) / 1000
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

/** Calls `task` once; a sync throw becomes ERR_TASK_FAILED, a promise is awaited under the guard. */
export function callTask(task: Task, guard: Guard): Promise<unknown> | undefined {
  let result: unknown
  try {
    result = task()
  } catch (error) {
    throw taskFailed(error)
  }
  return isThenable(result) ? guard.wait(result) : undefined
}

/** Runs `calls` calls of the task one after another; sync calls never yield to the event loop. */
export async function runSequence(task: Task, calls: number, guard: Guard): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const pending = callTask(task, guard)
    if (pending) await pending
  }
}

/** Starts a measurement window; calling the returned function closes it. */
export function startWindow(): (calls: number) => Measurement {
  const elu0 = performance.eventLoopUtilization()
  const thread0 = threadCpuMs()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  return (calls) => {
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const elu = performance.eventLoopUtilization(elu0)
    const thread1 = threadCpuMs()
    const cpuUserMs = cpu.user / 1000
    const cpuSystemMs = cpu.system / 1000
    const cpuMs = cpuUserMs + cpuSystemMs
    const mainActiveMs = Math.min(elu.active, wallMs)
    const offMainCpuMs = Math.max(0, cpuMs - mainActiveMs)
    const safeWall = Math.max(wallMs, 1e-6)
    return {
      calls,
      wallMs,
      cpuUserMs,
      cpuSystemMs,
      cpuMs,
      mainActiveMs,
      elu: Math.min(1, mainActiveMs / safeWall),
      cpuRatio: cpuMs / safeWall,
      offMainCpuMs,
      offMainRatio: offMainCpuMs / safeWall,
      threadCpuMs: thread0 === null || thread1 === null ? null : thread1 - thread0,
    }
  }
}

/** Measures `calls` sequential calls of the task as one sample. */
export async function measureSample(task: Task, calls: number, guard: Guard): Promise<Measurement> {
  const stop = startWindow()
  await runSequence(task, calls, guard)
  return stop(calls)
}

/**
 * Runs `fn` once and returns the raw figures of that run: wall time, process CPU time, main-thread
 * event-loop utilization and the CPU time spent off the main thread. For callers with their own rules.
 */
export async function measure(fn: Task, options: MeasureOptions = {}): Promise<Measurement> {
  const { timeout, signal } = parseMeasureOptions(fn, options)
  const guard = createGuard(performance.now() + timeout, timeout, signal)
  guard.check()
  return measureSample(fn, 1, guard)
}
