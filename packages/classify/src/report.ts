import type { Measurement } from './measure'
import type { Spread } from './median'
import type { Thresholds } from './options'
import type { Probe } from './probe'

/**
 * What kind of work a task is:
 * - `'io'`: mostly waiting (timers, network, child processes);
 * - `'cpu'`: busy on the main thread;
 * - `'cpu-offloaded'`: CPU spent off the main thread (libuv's thread pool: async crypto, zlib);
 * - `'mixed'`: waiting and main-thread CPU work in the same task.
 */
export type TaskKind = 'io' | 'cpu' | 'cpu-offloaded' | 'mixed'

/** Which boundkit model fits: `@boundkit/limiter`, `@boundkit/pool`, `@boundkit/pipeline`, or none. */
export type Strategy = 'limiter' | 'pool' | 'pipeline' | 'inline'

export interface Recommendation {
  strategy: Strategy
  /** Tasks in flight at once (limiter), workers (pool), fetch-stage concurrency (pipeline); 1 inline. */
  concurrency: number
  /** For `'pipeline'`: the suggested process-stage pool size. */
  poolSize?: number
  /** Plain sentences with the figures behind the choice. */
  reasons: string[]
}

/** The medians over the measured samples, per call where it says so. */
export interface Summary {
  /** Wall time of one call, ms (sample wall time / calls per sample). */
  callMs: Spread
  /** CPU time of one call, ms. */
  cpuCallMs: number
  /** Process CPU time / wall time. */
  cpuRatio: number
  /** Main-thread event-loop utilization. */
  elu: number
  /** Share of wall time the main thread was on a CPU or waiting for one (see `Measurement.busy`). */
  busy: number
  /** Busy share of the other threads (see `Measurement.offMainRatio`), median over the samples and the probe's levels. */
  offMainRatio: number
}

export interface Environment {
  node: string
  platform: string
  /** os.availableParallelism(). */
  cpus: number
  /** UV_THREADPOOL_SIZE, or libuv's default of 4. */
  threadPoolSize: number
  /** The 1-minute load average when the classification ended (`os.loadavg()`; 0 on Windows). */
  loadAverage: number
}

/**
 * How far a verdict can be trusted. Each sample (each run of a command) is read on its own as well:
 * when too few agree with the verdict, more samples are taken, and if they still disagree the
 * verdict is reported as uncertain rather than flipping from one classification to the next.
 */
export interface Certainty {
  /** False when the readings disagree (see `doubts`): another classification may read otherwise. */
  certain: boolean
  /** How many samples (runs, for a command) read each kind on their own. */
  votes: Partial<Record<TaskKind, number>>
  /** Why the verdict is uncertain, in plain sentences; empty when it is certain. */
  doubts: string[]
}

/** What `classify` returns; plain data, safe to `JSON.stringify`. */
export interface ClassifyReport {
  /** The kind the samples' medians read; see `certainty` for how far to trust it. */
  kind: TaskKind
  certainty: Certainty
  recommendation: Recommendation
  summary: Summary
  /** Calls of the task per measured sample (tiny tasks are batched to `minSampleTime`). */
  callsPerSample: number
  samples: Measurement[]
  /** Calls that failed and were skipped as transient (see `ClassifyOptions`); 0 when none did. */
  failedCalls: number
  probe: Probe
  thresholds: Thresholds
  environment: Environment
  /** Time the whole classification took, ms. */
  durationMs: number
}

/** One run of a command. */
export interface CommandRun {
  /** Wall time from spawn to exit, ms. */
  wallMs: number
  /** CPU time of the command and every descendant it waited for, user mode, ms; `null` if unknown. */
  cpuUserMs: number | null
  /** Same, kernel mode. */
  cpuSystemMs: number | null
  /** User + system; `null` where the platform gives no figure (only Linux /proc is read). */
  cpuMs: number | null
  /** `cpuMs / wallMs`, or `null`. */
  cpuRatio: number | null
  /**
   * Threads that ran or were ready to run on the machine while the run lasted, on average, the
   * command's own included (read from /proc/loadavg every 20 ms; Linux), or `null`.
   */
  machineLoad: number | null
  exitCode: number
}

/** What `classifyCommand` returns; plain data, safe to `JSON.stringify`. */
export interface CommandReport {
  command: string
  args: string[]
  kind: TaskKind
  certainty: Certainty
  recommendation: Recommendation
  summary: { wallMs: Spread; cpuMs: number | null; cpuRatio: number | null }
  runs: CommandRun[]
  /** Runs that failed and were run again as transient (see `ClassifyOptions`); 0 when none did. */
  failedRuns: number
  probe: Probe
  thresholds: Thresholds
  environment: Environment
  durationMs: number
}
