import { concurrencyText, exactly, fixed, make, probeAdvice, probeSentence, stillGrowing } from './advice'
import { TICK_MS } from './children-cpu'
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
import { nearShare } from './verdict'

/** The share of a core that decides a command's kind, and where it came from (see `commandShare`). */
export type CommandShare = { ratio: number; from: CommandShareSource }

/**
 * The kind of a command's work, from the share of a core it uses. A share from the probe's bound
 * (the probe measured more gain than the CPU time allows) never reads `cpu` below a whole core:
 * runs limited by their CPU cannot gain more than the CPUs, and these did.
 */
export function commandKind(
  share: CommandShare | null,
  probe: Probe,
  env: Environment,
  t: Thresholds,
): TaskKind {
  if (share === null) return probe.bestSpeedup > env.cpus ? 'io' : 'mixed'
  if (share.ratio < t.commandIo) return 'io'
  if (share.ratio >= t.commandCpu && (share.from !== 'probe' || share.ratio >= 1)) return 'cpu'
  return 'mixed'
}

/**
 * What is left of a run once its interpreter's start-up is taken out must last this long (10 clock
 * ticks, ms) for its own share to be read: the CPU figures of the run and of the start-up are each
 * within a tick. A shorter run is mostly its start-up, which is CPU work, and keeps its whole ratio.
 */
const minWorkMs = 100

/** Wall time less the wait for a core, where it is known. */
function ranMs(x: { wallMs: number; waitMs: number | null }): number {
  return x.wallMs - (x.waitMs ?? 0)
}

/**
 * CPU time / wall time of a run with its waits for a core and its interpreter's start-up taken out
 * (see `minWorkMs`); `null` without a start-up figure.
 */
export function workRatio(
  run: { wallMs: number; cpuMs: number | null; waitMs: number | null },
  startup: Startup | null,
): number | null {
  if (startup === null || run.cpuMs === null) return null
  const wall = ranMs(run) - ranMs(startup)
  if (wall < minWorkMs) return run.cpuMs / Math.max(ranMs(run), 1e-6)
  return Math.max(0, run.cpuMs - startup.cpuMs) / wall
}

/**
 * How much of its CPU time a run kept when runs shared the cores: CPU time per run at the probe's
 * level of best throughput over CPU time per run alone (`aloneMs`: the measured runs' median), at
 * most 1. A command that computes needs the same CPU time however many run at once; one that burns
 * CPU while it waits (spinning on the clock, polling) gives it up when runs share the cores, and
 * its throughput then grows past what its CPU time alone allows. `null` without CPU figures, and
 * when a run alone used under 2 clock ticks (20 ms).
 */
export function keptCpu(probe: Probe, aloneMs: number | null): number | null {
  const best = probe.levels.reduce((a, b) => (b.throughput > a.throughput ? b : a))
  if (aloneMs === null || aloneMs < 2 * TICK_MS || best.cpuRatio === null || probe.levels.length < 2)
    return null
  return Math.min(1, (best.cpuRatio * best.wallMs) / best.calls / aloneMs)
}

/**
 * The share of a core that decides a command's kind: its CPU time over the time it ran (its waits
 * for a core left out, `busyRatio`), without its interpreter's start-up where that was measured
 * (`work`: start-up must not tip the verdict). When the probe measured more gain than that share
 * allows (`gain.best` above `gain.cpus` / share) and runs at once kept
 * materially less of their CPU time than a run alone (`kept` below 1 / `plateauGain`), the CPU time
 * overstates what the command needs, and the probe decides, with the share scaled by what the runs
 * kept. Both are asked: on a shared machine a run's CPU time alone moves by a fifth or more from one
 * reading to the next, so `kept` alone can read low for a command that computes. `null` without a
 * CPU figure.
 */
export function commandShare(
  figures: { cpuRatio: number | null; busyRatio: number | null; work: number | null },
  kept: number | null,
  t: Pick<Thresholds, 'plateauGain'>,
  gain: { best: number; cpus: number },
): CommandShare | null {
  const { cpuRatio, busyRatio, work } = figures
  if (cpuRatio === null) return null
  const own: CommandShare =
    work !== null
      ? { ratio: work, from: 'cpu-time-without-startup' }
      : { ratio: busyRatio ?? cpuRatio, from: 'cpu-time' }
  const allowed = gain.cpus / Math.max(own.ratio, 1e-6)
  const probeWins = kept !== null && kept * t.plateauGain < 1 && gain.best > allowed
  return probeWins ? { ratio: own.ratio * kept, from: 'probe' } : own
}

/**
 * Doubts about a command's verdict from a busy machine. CPU time / wall time of a command is not
 * corrected for load (its descendants' waits for a core cannot be read), so a CPU-bound command on a
 * machine with more runnable threads than cores reads lower: a verdict other than `cpu` is in doubt
 * when its ratio, scaled up to a core's fair share under that load, would reach `commandCpu`. Where
 * the runs' waits for a core were read (`CommandRun.waitMs`), the ratio is corrected already and
 * `loadDoubts` is not asked. The load is the higher of the 1-minute load average and `runLoad`, the
 * threads that competed for the cores while the runs lasted (the load average lags behind a machine
 * that turned busy just now).
 */
export function loadDoubts(
  kind: TaskKind,
  cpuRatio: number | null,
  env: Environment,
  t: Thresholds,
  runLoad: number | null = null,
): string[] {
  const load = Math.max(env.loadAverage, runLoad ?? 0)
  if (kind === 'cpu' || cpuRatio === null || load <= env.cpus) return []
  const fairShare = env.cpus / load
  if (cpuRatio / fairShare < t.commandCpu) return []
  const which = load === env.loadAverage ? 'load average' : 'threads ready to run during the runs'
  return [
    `The machine was busy (${which} ${load.toFixed(1)} on ${env.cpus} CPUs): a CPU-bound command ` +
      `gets about ${percent(fairShare)} of a core there, so its ${percent(cpuRatio)} of CPU time per wall time may be ` +
      'a CPU-bound command slowed down. Classify it again on a quieter machine.',
  ]
}

/**
 * Doubts about a command's kind when the figure that decided it lies near its threshold while the
 * machine was busy (`load` above its CPUs): a run's CPU time alone moves by a fifth or more there (the
 * cores' caches and their other threads are shared), so another classification may read the other
 * side. The figure is the share of a core against `commandIo`/`commandCpu`; for a share the probe
 * decided, what the runs at once kept of their CPU time (`kept`) against 1 / `plateauGain`: a machine
 * that turns quieter during the probe lowers the CPU time of a run that computes as well as one that
 * spins, and raises the probe's gain with it.
 */
export function nearThresholdDoubts(
  share: CommandShare | null,
  kept: number | null,
  load: number,
  env: Environment,
  t: Pick<Thresholds, 'commandCpu' | 'commandIo' | 'plateauGain'>,
): string[] {
  if (share === null || load <= env.cpus) return []
  const busy = `the machine was busy (${load.toFixed(1)} threads ready to run on ${env.cpus} CPUs), where a run's CPU time moves by a fifth or more`
  const again = 'another classification may read it otherwise. Classify it again on a quieter machine.'
  if (share.from === 'probe') {
    const threshold = 1 / t.plateauGain
    if (kept === null || kept < (1 - nearShare) * threshold) return []
    return [
      `Runs at once kept ${percent(kept)} of the CPU time of a run alone, near the ${percent(threshold)} (1 / ` +
        `\`plateauGain\`) below which the probe decides, and ${busy}: the machine may have turned quieter during ` +
        `the probe; ${again}`,
    ]
  }
  const threshold = [t.commandIo, t.commandCpu].find((x) => Math.abs(share.ratio - x) < nearShare * x)
  if (threshold === undefined) return []
  const name = threshold === t.commandCpu ? 'commandCpu' : 'commandIo'
  return [
    `The share of a core that decides, ${percent(share.ratio)}, lies near \`${name}\` (${percent(threshold)}) and ` +
      `${busy}: ${again}`,
  ]
}

/**
 * Doubts about a `cpu` verdict whose probe contradicts it on a busy machine (`load` above its CPUs):
 * throughput grew more than a command using `share` of a core can on these CPUs (`gain.best` above
 * `gain.cpus` / share), yet the runs at once did not keep materially less CPU time, so the probe did
 * not decide. Either the machine turned quieter during the probe (a computing command's gain then
 * reads high), or the command burns CPU while it waits and the load hid it (its CPU time alone reads
 * low when it waits for a core): the readings cannot tell which.
 */
export function gainDoubts(
  kind: TaskKind,
  share: CommandShare | null,
  gain: { best: number; cpus: number },
  load: number,
): string[] {
  if (kind !== 'cpu' || share === null || load <= gain.cpus) return []
  const allowed = gain.cpus / Math.max(share.ratio, 1e-6)
  if (gain.best <= allowed) return []
  return [
    `Throughput grew ${fixed(gain.best)}x on ${gain.cpus} CPUs, more than a command using ${percent(share.ratio)} of a ` +
      `core can (${fixed(allowed)}x), and the machine was busy (${load.toFixed(1)} threads ready to run): it may have ` +
      'turned quieter during the probe, or the command may burn CPU while it waits. Classify it again on a quieter machine.',
  ]
}

/** The sentences on the CPU figures: the whole ratio, the start-up, and the probe's bound when it decided. */
function shareSentences(
  s: CommandSummary,
  startup: Startup | null,
  probe: Probe,
  env: Environment,
): string[] {
  const sentences: string[] = []
  if (startup !== null && s.workCpuRatio !== null) {
    sentences.push(
      `\`${programText(startup.command, startup.args)}\` alone, the interpreter's start-up, ` +
        `took ${ms(startup.cpuMs)} of CPU in ${ms(startup.wallMs)}; without it, CPU time was ${percent(s.workCpuRatio)} of wall time.`,
    )
  }
  if (s.share?.from === 'probe' && s.keptCpu !== null) {
    const best = Math.max(...probe.levels.map((l) => l.speedup))
    sentences.push(
      `Runs at once used ${percent(s.keptCpu)} of the CPU time of a run alone, and throughput grew ${fixed(best)}x ` +
        'on ' +
        `${env.cpus} CPUs: the CPU time overstates what the command needs (CPU burnt while waiting, such as ` +
        `spinning or polling, gives way when runs share the cores), so the probe decides: ${percent(s.share.ratio)} ` +
        `of a core per run, and not CPU-bound.`,
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
    const waits =
      s.busyRatio === null || s.busyRatio === s.cpuRatio
        ? ''
        : ` (${percent(s.busyRatio)} of the time they were not waiting for a core)`
    reasons.push(
      `Each run took ${wall}; CPU time of the command and its descendants was ${percent(s.cpuRatio)} of wall time${waits}.`,
    )
    reasons.push(...shareSentences(s, startup, probe, env), kindSentence(kind, s.share.ratio, t))
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
