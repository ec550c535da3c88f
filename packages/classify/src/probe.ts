import { type FailedCalls, runSequence, type Task } from './calls'
import { type Guard, optional } from './guard'
import { startWindow } from './measure'

/** Throughput at one level of the concurrency probe. */
export interface ProbeLevel {
  /** Copies of the task in flight at once. */
  concurrency: number
  /** Calls completed at this level. */
  calls: number
  /** Wall time of the level, ms. */
  wallMs: number
  /** Calls per second. */
  throughput: number
  /** Throughput / throughput at concurrency 1. */
  speedup: number
  /** Main-thread event-loop utilization while the level ran (`null` for commands). */
  elu: number | null
  /** Process CPU time / wall time while the level ran (`null` for commands). */
  cpuRatio: number | null
  /** Busy share of the other threads while the level ran (see `Measurement.offMainRatio`; `null` for commands). */
  offMainRatio: number | null
  /** CPU time of the other threads while the level ran, ms (see `Measurement.offMainCpuMs`; `null` for commands). */
  offMainCpuMs: number | null
}

/** Why the probe stopped where it did. */
export type ProbeStop = 'plateau' | 'max-concurrency' | 'time-budget'

/** How throughput scaled with concurrency. */
export interface Probe {
  levels: ProbeLevel[]
  /** The smallest concurrency reaching `kneeFraction` of the best throughput seen. */
  knee: number
  /** Best speedup over concurrency 1. */
  bestSpeedup: number
  stoppedBy: ProbeStop
  /**
   * Whether the probe's levels were read a second time (see `runProbe`): `true` when they were,
   * `false` when they were to be (no gain seen, or always for a command) but no time was left,
   * `null` when they were not to be.
   */
  confirmed: boolean | null
}

/** One probe level: `concurrency` lanes in flight, each making `callsPerLane` calls in a row. */
export type RunLevel = (concurrency: number) => Promise<Omit<ProbeLevel, 'speedup'>>

export function functionLevel(
  task: Task,
  callsPerLane: number,
  guard: Guard,
  failed?: FailedCalls,
): RunLevel {
  return async (concurrency) => {
    const stop = startWindow()
    const lanes: Promise<void>[] = []
    for (let i = 0; i < concurrency; i++) lanes.push(runSequence(task, callsPerLane, guard, failed))
    await Promise.all(lanes)
    const m = stop(concurrency * callsPerLane)
    return {
      concurrency,
      calls: m.calls,
      wallMs: m.wallMs,
      throughput: (m.calls / Math.max(m.wallMs, 1e-6)) * 1000,
      elu: m.elu,
      cpuRatio: m.cpuRatio,
      offMainRatio: m.offMainRatio,
      offMainCpuMs: m.offMainCpuMs,
    }
  }
}

export interface ProbeSettings {
  maxConcurrency: number
  /**
   * Levels in a row without a gain before the probe stops (1 for CPU-bound work, 2 otherwise); one
   * is enough from level 4 on once the speedup is below half the concurrency.
   */
  patience: number
  plateauGain: number
  kneeFraction: number
  /** Time to keep for what follows the probe (the samples), ms. @default 0 */
  reserveMs?: number
  /** Read the levels again before concluding that concurrency brings no gain at all. @default false */
  confirmFlat?: boolean
  /**
   * Read the levels again before the probe ends, whatever they showed (commands: one process start
   * made late by a busy moment can move the knee). @default false
   */
  confirmAll?: boolean
}

/** Levels in a row, counted from the last, whose gain over the level before is under `plateauGain`. */
function trailingFlat(levels: readonly ProbeLevel[], plateauGain: number): number {
  let flat = 0
  for (
    let i = levels.length - 1;
    i > 0 && levels[i]!.throughput / levels[i - 1]!.throughput < plateauGain;
    i--
  )
    flat++
  return flat
}

/** Each level read once more, in order. */
async function readAgain(levels: readonly ProbeLevel[], runLevel: RunLevel): Promise<ProbeLevel[]> {
  const again: ProbeLevel[] = []
  for (const level of levels) again.push({ ...(await runLevel(level.concurrency)), speedup: 1 })
  return again
}

/** Speedups over the (possibly re-read) first level. */
function rescale(levels: ProbeLevel[]): void {
  for (const level of levels) level.speedup = level.throughput / levels[0]!.throughput
}

/**
 * Runs levels 1, 2, 4, 8, ... until doubling stops helping (`patience` levels in a row), up to
 * `maxConcurrency` and while the next level is expected to fit in the time left (a level is assumed
 * to take at most twice the previous one: no scaling at all).
 *
 * No gain at all is a strong claim (for waiting work it advises one call at a time), and one level
 * read while the machine was busier than during level 1 can make it: with `confirmFlat`, the levels
 * so far (three at most) are read again once and the faster reading of each is kept (load on a
 * shared machine only ever slows a reading down); the probe goes on if a gain shows. With
 * `confirmAll`, the levels are read again once whatever they showed: at a plateau (going on if it
 * is gone) or at the last level.
 */
export async function runProbe(runLevel: RunLevel, settings: ProbeSettings, guard: Guard): Promise<Probe> {
  guard.check()
  const first = await runLevel(1)
  const levels: ProbeLevel[] = [{ ...first, speedup: 1 }]
  let stoppedBy: ProbeStop = 'max-concurrency'
  let confirmed: boolean | null = null
  const reserveMs = settings.reserveMs ?? 0
  const fits = (ms: number) => ms <= guard.remaining() - reserveMs
  // Reads the levels again once, keeping the faster reading of each; false when there was no time.
  const confirm = async () => {
    // Twice the time the levels took, since a reading on a busy machine can take longer.
    const expectedMs = 2 * levels.reduce((sum, l) => sum + l.wallMs, 0) + reserveMs
    const again = await optional(guard, expectedMs, () => readAgain(levels, runLevel), undefined)
    for (const [i, level] of (again ?? []).entries()) {
      if (level.throughput > levels[i]!.throughput) levels[i] = level
    }
    rescale(levels)
    return again !== undefined
  }
  while (levels.at(-1)!.concurrency < settings.maxConcurrency) {
    const previous = levels.at(-1)!
    const concurrency = Math.min(previous.concurrency * 2, settings.maxConcurrency)
    if (!fits(previous.wallMs * (concurrency / previous.concurrency))) {
      stoppedBy = 'time-budget'
      break
    }
    guard.check()
    const level = await runLevel(concurrency)
    levels.push({ ...level, speedup: level.throughput / levels[0]!.throughput })
    if (!plateaued(levels, settings)) continue
    const noGain = Math.max(...levels.map((l) => l.speedup)) < settings.plateauGain
    if ((settings.confirmAll || (settings.confirmFlat && noGain)) && confirmed === null) {
      confirmed = await confirm()
      if (confirmed && !plateaued(levels, settings)) continue
    }
    stoppedBy = 'plateau'
    break
  }
  if (settings.confirmAll && confirmed === null) confirmed = await confirm()
  return probeFromLevels(levels, stoppedBy, settings.kneeFraction, confirmed)
}

/**
 * Whether the probe should stop: `patience` flat levels in a row, or one flat level once concurrency
 * already buys less than half its worth, from level 4 on (at level 2 that means any reading under
 * 1x, which one slow call of a task with varying latency gives by chance).
 */
function plateaued(levels: readonly ProbeLevel[], settings: ProbeSettings): boolean {
  const flat = trailingFlat(levels, settings.plateauGain)
  const last = levels.at(-1)!
  const poorValue = last.concurrency >= 4 && last.speedup / last.concurrency < 0.5
  return flat >= settings.patience || (flat > 0 && poorValue)
}

/** The probe's result from its levels: the knee and the best speedup over concurrency 1. */
export function probeFromLevels(
  levels: ProbeLevel[],
  stoppedBy: ProbeStop,
  kneeFraction: number,
  confirmed: boolean | null = null,
): Probe {
  const best = Math.max(...levels.map((l) => l.throughput))
  const knee = levels.find((l) => l.throughput >= kneeFraction * best)?.concurrency ?? 1
  return { levels, knee, bestSpeedup: best / levels[0]!.throughput, stoppedBy, confirmed }
}
