import { performance } from 'node:perf_hooks'
import { type FailedCalls, retryFailed } from './calls'
import { certaintyOf, disputed } from './certainty'
import { childrenCpu } from './children-cpu'
import { guarded, runDirect, runWrapped } from './command-run'
import {
  type CommandShare,
  commandKind,
  commandShare,
  gainDoubts,
  keptCpu,
  loadDoubts,
  nearThresholdDoubts,
  recommendCommand,
  workRatio,
} from './command-verdict'
import { environment } from './environment'
import { createGuard, type Guard, repeatIfRoom, repeatWithinBudget } from './guard'
import { startLoadReading } from './machine-load'
import { median, spread } from './median'
import { type ClassifyCommandOptions, type ResolvedCommandOptions, resolveCommandOptions } from './options'
import { type Probe, type RunLevel, runProbe } from './probe'
import type { CommandReport, CommandRun, CommandSummary, Startup } from './report'
import { measureStartup } from './startup'
import { probeDoubts } from './verdict'

/** The median load of the runs that have a reading of it, or `null`. */
function runLoad(runs: readonly CommandRun[]): number | null {
  const loads = runs.flatMap((r) => (r.machineLoad === null ? [] : [r.machineLoad]))
  return loads.length === 0 ? null : median(loads)
}

/**
 * A probe level of a command lasts at least this long, ms: each of its lanes runs the command back
 * to back, so one run slowed by a busy moment (a process start is often tens of ms late on a busy
 * machine) does not decide the level. At most `maxRunsPerLane` runs a lane.
 */
const minLevelMs = 200
const maxRunsPerLane = 10

/** Runs per lane so a probe level lasts `minLevelMs`, from the median wall time of a run. */
export function runsPerLaneFor(runWallMs: number): number {
  return Math.min(maxRunsPerLane, Math.max(1, Math.ceil(minLevelMs / Math.max(runWallMs, 1e-6))))
}

function commandLevel(
  opts: ResolvedCommandOptions,
  guard: Guard,
  failed: FailedCalls,
  runsPerLane: number,
): RunLevel {
  const lane = async () => {
    for (let i = 0; i < runsPerLane; i++) await retryFailed(() => guarded(runDirect(opts), guard), failed)
  }
  return async (concurrency) => {
    const cpu0 = childrenCpu()
    const start = performance.now()
    await Promise.all(Array.from({ length: concurrency }, lane))
    const wallMs = performance.now() - start
    const cpu1 = childrenCpu()
    const calls = concurrency * runsPerLane
    // The runs were all reaped: their CPU time is in this process's children's figures.
    const cpuMs = cpu0 && cpu1 ? cpu1.user + cpu1.system - cpu0.user - cpu0.system : null
    return {
      concurrency,
      calls,
      wallMs,
      throughput: (calls / Math.max(wallMs, 1e-6)) * 1000,
      elu: null,
      cpuRatio: cpuMs === null ? null : cpuMs / Math.max(wallMs, 1e-6),
      offMainRatio: null,
      offMainCpuMs: null,
    }
  }
}

/** The share that decides each run's kind on its own (see `commandShare`). */
function runShares(
  runs: readonly CommandRun[],
  summary: CommandSummary,
  startup: Startup | null,
  t: ResolvedCommandOptions['thresholds'],
  gain: { best: number; cpus: number },
): (CommandShare | null)[] {
  return runs.map((r) => commandShare({ ...r, work: workRatio(r, startup) }, summary.keptCpu, t, gain))
}

/** The median of a figure every run has, else `null`. */
function medianOf(runs: readonly CommandRun[], figure: (run: CommandRun) => number | null): number | null {
  const values = runs.map(figure)
  return values.every((v) => v !== null) ? median(values as number[]) : null
}

/** The medians of the runs, and the share of a core that decides the kind. */
function summarise(
  runs: readonly CommandRun[],
  startup: Startup | null,
  probe: Probe,
  t: ResolvedCommandOptions['thresholds'],
  cpus: number,
): CommandSummary {
  const cpuRatio = medianOf(runs, (r) => r.cpuRatio)
  const busyRatio = medianOf(runs, (r) => r.busyRatio)
  const workCpuRatio = medianOf(runs, (r) => workRatio(r, startup))
  const kept = keptCpu(
    probe,
    medianOf(runs, (r) => r.cpuMs),
  )
  return {
    wallMs: spread(runs.map((r) => r.wallMs)),
    cpuMs: medianOf(runs, (r) => r.cpuMs),
    cpuRatio,
    busyRatio,
    workCpuRatio,
    keptCpu: kept,
    share: commandShare({ cpuRatio, busyRatio, work: workCpuRatio }, kept, t, {
      best: probe.bestSpeedup,
      cpus,
    }),
  }
}

/**
 * Runs `command` with `args` (no shell) `runs` times as a child process and reports wall time and
 * the CPU time of the command and its descendants, with a verdict and a recommendation; measures the
 * start-up of its interpreter (node, python, ruby, perl) to leave it out of the verdict; then probes
 * how throughput scales with several copies running at once. Standard input is ignored, output is
 * discarded; a non-zero exit fails with `ERR_COMMAND_FAILED` and the tail of standard error.
 */
export async function classifyCommand(
  command: string,
  args: readonly string[] = [],
  options?: ClassifyCommandOptions,
): Promise<CommandReport> {
  const opts = resolveCommandOptions(command, args, options)
  const t = opts.thresholds
  const t0 = performance.now()
  const guard = createGuard(opts.timeBudget, 'timeBudget', opts.signal)
  guard.check()

  // A run that fails (a reset connection) is run again, within the allowance of `skipFailure`.
  const failed: FailedCalls = { count: 0, made: 0 }
  const run = () => retryFailed(() => guarded(runWrapped(opts), guard), failed)
  let runs = await repeatWithinBudget(opts.runs, guard, run)
  const startup = await measureStartup(opts, runs, guard)
  const runsPerLane = runsPerLaneFor(median(runs.map((r) => r.wallMs)))
  const stopLoad = startLoadReading()
  const probe = await runProbe(
    commandLevel(opts, guard, failed, runsPerLane),
    { ...opts, ...t, patience: 2, confirmAll: true },
    guard,
  )
  const probeLoad = stopLoad()
  const env = environment()
  let summary = summarise(runs, startup, probe, t, env.cpus)
  const kinds = () =>
    runShares(runs, summary, startup, t, { best: probe.bestSpeedup, cpus: env.cpus }).map((share) =>
      commandKind(share, probe, env, t),
    )
  // Runs that disagree with the verdict call for as many again (see `classify`).
  if (disputed(commandKind(summary.share, probe, env, t), kinds())) {
    runs = await repeatIfRoom(opts.runs, guard, run, runs)
    summary = summarise(runs, startup, probe, t, env.cpus)
  }
  const kind = commandKind(summary.share, probe, env, t)
  const load = Math.max(env.loadAverage, runLoad(runs) ?? 0, probeLoad ?? 0)
  return {
    command: opts.command,
    args: opts.args,
    kind,
    certainty: certaintyOf(kind, kinds(), 'runs', [
      ...probeDoubts(kind, probe, t, { probeLoad, cpus: env.cpus }),
      ...(runs.every((r) => r.waitMs !== null)
        ? []
        : loadDoubts(kind, summary.share?.ratio ?? null, env, t, runLoad(runs))),
      ...nearThresholdDoubts(summary.share, summary.keptCpu, load, env, t),
      ...gainDoubts(kind, summary.share, { best: probe.bestSpeedup, cpus: env.cpus }, load),
    ]),
    recommendation: recommendCommand(kind, summary, startup, probe, t, env, opts.maxConcurrency),
    summary,
    startup,
    runs,
    failedRuns: failed.count,
    probe,
    thresholds: t,
    environment: env,
    durationMs: performance.now() - t0,
  }
}
