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
  /**
   * True when throughput was still growing at the highest concurrency the probe tried
   * (`maxConcurrency`, or where the time budget stopped it): `concurrency` is a lower bound, and a
   * higher one may pay.
   */
  atLeast: boolean
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
   * Time the command's processes waited for a core (a busy machine), ms: the run-queue wait of each
   * process's main thread, read from /proc every 10 ms while it ran (Linux). `null` elsewhere, and
   * when the readings saw under 80% of the CPU time (processes too short-lived to be read).
   */
  waitMs: number | null
  /** `cpuMs / (wallMs - waitMs)`: the CPU share with the waits for a core left out; `null` without `cpuMs`. */
  busyRatio: number | null
  /**
   * Threads that ran or were ready to run on the machine while the run lasted, on average, the
   * command's own included (read from /proc/loadavg every 20 ms; Linux), or `null`.
   */
  machineLoad: number | null
  exitCode: number
}

/** An interpreter's start-up, measured as its empty program (`node -e ''`, `python3 -c ''`). */
export interface Startup {
  command: string
  args: string[]
  /** Wall time of the empty program, ms (median of its runs). */
  wallMs: number
  /** CPU time of the empty program, ms (median of its runs). */
  cpuMs: number
  /** Its wait for a core, ms (median of its runs; see `CommandRun.waitMs`), or `null`. */
  waitMs: number | null
}

/** Where the share that decided a command's kind came from. */
export type CommandShareSource = 'cpu-time' | 'cpu-time-without-startup' | 'probe'

/** The medians over a command's runs, and the share of a core that decided its kind. */
export interface CommandSummary {
  wallMs: Spread
  /** CPU time of the command and its descendants, ms; `null` where the platform gives no figure. */
  cpuMs: number | null
  /** `cpuMs / wallMs`, the interpreter's start-up included; `null` without a CPU figure. */
  cpuRatio: number | null
  /** CPU time / wall time with the waits for a core left out (see `CommandRun.busyRatio`). */
  busyRatio: number | null
  /**
   * `busyRatio` with the interpreter's start-up (`startup`) taken out of CPU time and wall time;
   * `null` without a start-up figure. A run whose rest lasts under 100 ms is mostly its start-up and
   * keeps its whole ratio.
   */
  workCpuRatio: number | null
  /**
   * How much of its CPU time a run kept when runs shared the cores: CPU time per run at the probe's
   * level of best throughput over CPU time per run alone, at most 1 (below 1 for CPU burnt while
   * waiting, such as spinning or polling). `null` without CPU figures or when a run alone used
   * under 20 ms.
   */
  keptCpu: number | null
  /** The share that decided the kind, and where it came from. */
  share: { ratio: number; from: CommandShareSource } | null
}

/** What `classifyCommand` returns; plain data, safe to `JSON.stringify`. */
export interface CommandReport {
  command: string
  args: string[]
  kind: TaskKind
  certainty: Certainty
  recommendation: Recommendation
  summary: CommandSummary
  /** The interpreter's start-up, where the command is one (node, python, ruby, perl), else `null`. */
  startup: Startup | null
  runs: CommandRun[]
  /** Runs that failed and were run again as transient (see `ClassifyOptions`); 0 when none did. */
  failedRuns: number
  probe: Probe
  thresholds: Thresholds
  environment: Environment
  durationMs: number
}
