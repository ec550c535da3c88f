import { performance } from 'node:perf_hooks'
import { guarded, runDirect, runWrapped } from './command-run'
import { environment } from './environment'
import { createGuard, type Guard, repeatWithinBudget } from './guard'
import { median, spread } from './median'
import { type ClassifyCommandOptions, type ResolvedCommandOptions, resolveCommandOptions } from './options'
import { type RunLevel, runProbe } from './probe'
import type { CommandReport } from './report'
import { commandKind, recommendCommand } from './verdict'

function commandLevel(opts: ResolvedCommandOptions, guard: Guard): RunLevel {
  return async (concurrency) => {
    const start = performance.now()
    const runs: Promise<void>[] = []
    for (let i = 0; i < concurrency; i++) runs.push(guarded(runDirect(opts), guard))
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

  const runs = await repeatWithinBudget(opts.runs, guard, () => guarded(runWrapped(opts), guard))
  const wall = median(runs.map((r) => r.wallMs))
  const cpuKnown = runs.every((r) => r.cpuMs !== null)
  const cpuMs = cpuKnown ? median(runs.map((r) => r.cpuMs!)) : null
  const cpuRatio = cpuKnown ? median(runs.map((r) => r.cpuRatio!)) : null
  const probe = await runProbe(commandLevel(opts, guard), { ...opts, ...opts.thresholds, patience: 2 }, guard)
  const env = environment()
  const kind = commandKind(cpuRatio, probe, env, opts.thresholds)
  return {
    command: opts.command,
    args: opts.args,
    kind,
    recommendation: recommendCommand(kind, cpuRatio, wall, probe, opts.thresholds, env, opts.maxConcurrency),
    summary: { wallMs: spread(runs.map((r) => r.wallMs)), cpuMs, cpuRatio },
    runs,
    probe,
    thresholds: opts.thresholds,
    environment: env,
    durationMs: performance.now() - t0,
  }
}
