import { runSequence, type Task } from './calls'
import type { Guard } from './guard'
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
}

/** One probe level: `concurrency` lanes in flight, each making `callsPerLane` calls in a row. */
export type RunLevel = (concurrency: number) => Promise<Omit<ProbeLevel, 'speedup'>>

export function functionLevel(task: Task, callsPerLane: number, guard: Guard): RunLevel {
  return async (concurrency) => {
    const stop = startWindow()
    const lanes: Promise<void>[] = []
    for (let i = 0; i < concurrency; i++) lanes.push(runSequence(task, callsPerLane, guard))
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
}

/**
 * Runs levels 1, 2, 4, 8, ... until doubling stops helping (`patience` levels in a row), up to
 * `maxConcurrency` and while the next level is expected to fit in the time left (a level is assumed
 * to take at most twice the previous one: no scaling at all).
 */
export async function runProbe(runLevel: RunLevel, settings: ProbeSettings, guard: Guard): Promise<Probe> {
  guard.check()
  const first = await runLevel(1)
  const levels: ProbeLevel[] = [{ ...first, speedup: 1 }]
  let stoppedBy: ProbeStop = 'max-concurrency'
  let previous = levels[0]!
  let flat = 0
  while (previous.concurrency < settings.maxConcurrency) {
    const concurrency = Math.min(previous.concurrency * 2, settings.maxConcurrency)
    const expectedMs = previous.wallMs * (concurrency / previous.concurrency)
    if (expectedMs > guard.remaining() - (settings.reserveMs ?? 0)) {
      stoppedBy = 'time-budget'
      break
    }
    guard.check()
    const level = await runLevel(concurrency)
    const current = { ...level, speedup: level.throughput / first.throughput }
    levels.push(current)
    const gain = current.throughput / previous.throughput
    previous = current
    flat = gain < settings.plateauGain ? flat + 1 : 0
    // A flat level ends the probe at once when concurrency already buys less than half its worth,
    // from level 4 on: at level 2 that means any reading under 1x, which one slow call of a task
    // with varying latency gives by chance.
    const poorValue = concurrency >= 4 && current.speedup / concurrency < 0.5
    if (flat >= settings.patience || (flat > 0 && poorValue)) {
      stoppedBy = 'plateau'
      break
    }
  }
  return probeFromLevels(levels, stoppedBy, settings.kneeFraction)
}

/** The probe's result from its levels: the knee and the best speedup over concurrency 1. */
export function probeFromLevels(levels: ProbeLevel[], stoppedBy: ProbeStop, kneeFraction: number): Probe {
  const best = Math.max(...levels.map((l) => l.throughput))
  const knee = levels.find((l) => l.throughput >= kneeFraction * best)?.concurrency ?? 1
  return { levels, knee, bestSpeedup: best / levels[0]!.throughput, stoppedBy }
}
