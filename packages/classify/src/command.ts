import { performance } from 'node:perf_hooks'
import { type FailedCalls, retryFailed } from './calls'
import { certaintyOf, disputed } from './certainty'
import { guarded, runDirect, runWrapped } from './command-run'
import { environment } from './environment'
import { createGuard, type Guard, repeatIfRoom, repeatWithinBudget } from './guard'
import { startLoadReading } from './machine-load'
import { median, spread } from './median'
import { type ClassifyCommandOptions, type ResolvedCommandOptions, resolveCommandOptions } from './options'
import { type RunLevel, runProbe } from './probe'
import type { CommandReport, CommandRun } from './report'
import { commandKind, loadDoubts, probeDoubts, recommendCommand } from './verdict'

/** The median load of the runs that have a reading of it, or `null`. */
function runLoad(runs: readonly CommandRun[]): number | null {
  const loads = runs.flatMap((r) => (r.machineLoad === null ? [] : [r.machineLoad]))
  return loads.length === 0 ? null : median(loads)
}

function commandLevel(opts: ResolvedCommandOptions, guard: Guard, failed: FailedCalls): RunLevel {
  return async (concurrency) => {
    const start = performance.now()
    const runs: Promise<void>[] = []
    for (let i = 0; i < concurrency; i++)
      runs.push(retryFailed(() => guarded(runDirect(opts), guard), failed))
    await Promise.all(runs)
    const wallMs = performance.now() - start
    return {
      concurrency,
      calls: concurrency,
      wallMs,
      throughput: (concurrency / Math.max(wallMs, 1e-6)) * 1000,
      elu: null,
      cpuRatio: null,
      offMainRatio: null,
      offMainCpuMs: null,
    }
  }
}

/**
 * Runs `command` with `args` (no shell) `runs` times as a child process and reports wall time and
 * the CPU time of the command and its descendants, with a verdict and a recommendation; then probes
 * how throughput scales with several copies running at once. Standard input is ignored, output is
 * discarded; a non-zero exit fails with `ERR_COMMAND_FAILED` and the tail of standard error.
 */
export async function classifyCommand(
  command: string,
  args: readonly string[] = [],
  options?: ClassifyCommandOptions,
): Promise<CommandReport> {
  const opts = resolveCommandOptions(command, args, options)
  const t0 = performance.now()
  const guard = createGuard(opts.timeBudget, 'timeBudget', opts.signal)
  guard.check()

  // A run that fails (a reset connection) is run again, within the allowance of `skipFailure`.
  const failed: FailedCalls = { count: 0, made: 0 }
  const run = () => retryFailed(() => guarded(runWrapped(opts), guard), failed)
  let runs = await repeatWithinBudget(opts.runs, guard, run)
  const stopLoad = startLoadReading()
  const probe = await runProbe(
    commandLevel(opts, guard, failed),
    { ...opts, ...opts.thresholds, patience: 2, confirmFlat: true },
    guard,
  )
  const probeLoad = stopLoad()
  const env = environment()
  const kindOf = (cpuRatio: number | null) => commandKind(cpuRatio, probe, env, opts.thresholds)
  const medianRatio = () =>
    runs.every((r) => r.cpuRatio !== null) ? median(runs.map((r) => r.cpuRatio!)) : null
  const kinds = () => runs.map((r) => kindOf(r.cpuRatio))
  // Runs that disagree with the verdict call for as many again (see `classify`).
  if (disputed(kindOf(medianRatio()), kinds())) runs = await repeatIfRoom(opts.runs, guard, run, runs)
  const wall = median(runs.map((r) => r.wallMs))
  const cpuRatio = medianRatio()
  const cpuMs = cpuRatio === null ? null : median(runs.map((r) => r.cpuMs!))
  const kind = kindOf(cpuRatio)
  return {
    command: opts.command,
    args: opts.args,
    kind,
    certainty: certaintyOf(kind, kinds(), 'runs', [
      ...probeDoubts(kind, probe, opts.thresholds, { probeLoad, cpus: env.cpus }),
      ...loadDoubts(kind, cpuRatio, env, opts.thresholds, runLoad(runs)),
    ]),
    recommendation: recommendCommand(kind, cpuRatio, wall, probe, opts.thresholds, env, opts.maxConcurrency),
    summary: { wallMs: spread(runs.map((r) => r.wallMs)), cpuMs, cpuRatio },
    runs,
    failedRuns: failed.count,
    probe,
    thresholds: opts.thresholds,
    environment: env,
    durationMs: performance.now() - t0,
  }
}
