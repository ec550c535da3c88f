import { concurrencyText, exactly, fixed, make, probeAdvice, probeSentence, stillGrowing } from './advice'
import { ms, percent, percentBeside, programText } from './format'
import type { Thresholds } from './options'
import type { Probe } from './probe'
import type {
  CommandShareSource,
  CommandSummary,
  Environment,
  Recommendation,
  Startup,
  TaskKind,
} from './report'

/** The kind of a command's work, from the share of a core it uses (see `commandShare`). */
export function commandKind(
  cpuRatio: number | null,
  probe: Probe,
  env: Environment,
  t: Thresholds,
): TaskKind {
  if (cpuRatio === null) return probe.bestSpeedup > env.cpus ? 'io' : 'mixed'
  if (cpuRatio >= t.commandCpu) return 'cpu'
  if (cpuRatio < t.commandIo) return 'io'
  return 'mixed'
}

/**
 * What is left of a run once its interpreter's start-up is taken out must last this long (5 clock
 * ticks, ms) for its own share to be read; a shorter run is mostly its start-up, which is CPU work,
 * and keeps its whole ratio.
 */
const minWorkMs = 50

/** CPU time / wall time of a run with its interpreter's start-up taken out of both (see `minWorkMs`). */
export function workRatio(
  run: { wallMs: number; cpuMs: number | null },
  startup: Startup | null,
): number | null {
  if (startup === null || run.cpuMs === null) return null
  const wall = run.wallMs - startup.wallMs
  if (wall < minWorkMs) return run.cpuMs / Math.max(run.wallMs, 1e-6)
  return Math.max(0, run.cpuMs - startup.cpuMs) / wall
}

/**
 * The most CPU time per wall time a run can use given the gain the probe measured: runs at once on
 * `cpus` cores cannot finish faster than their CPU time allows, so a speedup S bounds a run's share
 * by cpus / S. The speedup is taken over the fastest single run seen (`singleRunMs`: the measured
 * runs and the probe's first level), so one slow run at level 1 cannot inflate it. `null` when the
 * probe ran one at a time only.
 */
export function probeCpuRatio(probe: Probe, singleRunMs: number, cpus: number): number | null {
  if (probe.levels.length < 2) return null
  const best = Math.max(...probe.levels.map((l) => l.throughput))
  return cpus / Math.max((best * singleRunMs) / 1000, 1e-6)
}

/**
 * The share of a core that decides a command's kind: its CPU time / wall time, without its
 * interpreter's start-up where that was measured (start-up must not tip the verdict). When the probe
 * measured more gain than that CPU time allows (the whole ratio above the probe's bound by
 * `plateauGain`), the CPU time overstates what limits the command (CPU spent waiting, such as
 * polling, gives way when runs share the cores) and the probe's bound decides. `null` without a CPU
 * figure.
 */
export function commandShare(
  cpuRatio: number | null,
  work: number | null,
  probeRatio: number | null,
  t: Pick<Thresholds, 'plateauGain'>,
): { ratio: number; from: CommandShareSource } | null {
  if (cpuRatio === null) return null
  const own: { ratio: number; from: CommandShareSource } =
    work === null ? { ratio: cpuRatio, from: 'cpu-time' } : { ratio: work, from: 'cpu-time-without-startup' }
  const probeWins = probeRatio !== null && cpuRatio > probeRatio * t.plateauGain && probeRatio < own.ratio
  return probeWins ? { ratio: probeRatio, from: 'probe' } : own
}

/**
 * Doubts about a command's verdict from a busy machine. CPU time / wall time of a command is not
 * corrected for load (its descendants' waits for a core cannot be read), so a CPU-bound command on a
 * machine with more runnable threads than cores reads lower: a verdict other than `cpu` is in doubt
 * when its ratio, scaled up to a core's fair share under that load, would reach `commandCpu`, unless
 * the probe's gain bounds the share below `commandCpu` (`probeRatio`; measured under the same load,
 * which only lowers a gain). The load is the higher of the 1-minute load average and `runLoad`, the
 * threads that competed for the cores while the runs lasted (the load average lags behind a machine
 * that turned busy just now).
 */
export function loadDoubts(
  kind: TaskKind,
  cpuRatio: number | null,
  env: Environment,
  t: Thresholds,
  runLoad: number | null = null,
  probeRatio: number | null = null,
): string[] {
  const load = Math.max(env.loadAverage, runLoad ?? 0)
  if (kind === 'cpu' || cpuRatio === null || load <= env.cpus) return []
  if (probeRatio !== null && probeRatio < t.commandCpu) return []
  const fairShare = env.cpus / load
  if (cpuRatio / fairShare < t.commandCpu) return []
  const which = load === env.loadAverage ? 'load average' : 'threads ready to run during the runs'
  return [
    `The machine was busy (${which} ${load.toFixed(1)} on ${env.cpus} CPUs): a CPU-bound command ` +
      `gets about ${percent(fairShare)} of a core there, so its ${percent(cpuRatio)} of CPU time per wall time may be ` +
      'a CPU-bound command slowed down. Classify it again on a quieter machine.',
  ]
}

/** The sentences on the CPU figures: the whole ratio, the start-up, and the probe's bound when it decided. */
function shareSentences(s: CommandSummary, startup: Startup | null, env: Environment): string[] {
  const sentences: string[] = []
  if (startup !== null && s.workCpuRatio !== null) {
    sentences.push(
      `\`${programText(startup.command, startup.args)}\` alone, the interpreter's start-up, ` +
        `took ${ms(startup.cpuMs)} of CPU in ${ms(startup.wallMs)}; without it, CPU time was ${percent(s.workCpuRatio)} of wall time.`,
    )
  }
  if (s.share?.from === 'probe' && s.cpuRatio !== null && s.probeCpuRatio !== null) {
    sentences.push(
      `The probe measured ${fixed(env.cpus / s.probeCpuRatio)}x the throughput of one run at a time, more than the ` +
        `${fixed(env.cpus / s.cpuRatio)}x that ${percent(s.cpuRatio)} of a core per run allows on ${env.cpus} CPUs: ` +
        'the CPU time overstates what limits the command (CPU spent waiting, such as polling, gives way when runs ' +
        `share the cores), so the probe decides: at most ${percent(s.probeCpuRatio)} of a core per run.`,
    )
  }
  return sentences
}

function kindSentence(kind: TaskKind, ratio: number, t: Thresholds): string {
  const share = percentBeside(ratio, ratio < (t.commandIo + t.commandCpu) / 2 ? t.commandIo : t.commandCpu)
  const decides = `The share of a core that decides is ${share}`
  if (kind === 'cpu')
    return `${decides}: at or above ${percent(t.commandCpu)} (\`commandCpu\`), the command computes.`
  if (kind === 'io')
    return `${decides}: below ${percent(t.commandIo)} (\`commandIo\`), the command mostly waits.`
  return `${decides}: between ${percent(t.commandIo)} and ${percent(t.commandCpu)}, the command waits and computes.`
}

/** The recommendation for a command: it already runs in its own process, so only a limiter applies. */
export function recommendCommand(
  kind: TaskKind,
  s: CommandSummary,
  startup: Startup | null,
  probe: Probe,
  t: Thresholds,
  env: Environment,
  maxConcurrency: number,
): Recommendation {
  const reasons: string[] = []
  const wall = ms(s.wallMs.median)
  if (s.cpuRatio === null || s.share === null) {
    reasons.push(
      `Each run took ${wall}; CPU time of child processes is not available on ${env.platform} (only Linux /proc is read), so the verdict rests on the probe.`,
    )
  } else {
    reasons.push(
      `Each run took ${wall}; CPU time of the command and its descendants was ${percent(s.cpuRatio)} of wall time.`,
    )
    reasons.push(...shareSentences(s, startup, env), kindSentence(kind, s.share.ratio, t))
  }
  reasons.push(probeSentence(probe))
  if (kind === 'cpu') {
    reasons.push(
      `Each command is its own process, so no worker pool is needed: run them through @boundkit/limiter with concurrency ${env.cpus} (one per core).`,
    )
    return make('limiter', exactly(env.cpus), reasons)
  }
  const advised = probeAdvice(probe, maxConcurrency)
  const growing = stillGrowing(advised)
  if (growing) reasons.push(growing)
  reasons.push(`Run the commands through @boundkit/limiter with ${concurrencyText(advised)}.`)
  return make('limiter', advised, reasons)
}
