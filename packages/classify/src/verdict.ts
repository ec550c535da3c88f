import { concurrencyText, exactly, fixed, make, probeAdvice, probeSentence, stillGrowing } from './advice'
import { ms, percent, percentBeside } from './format'
import type { Measurement } from './measure'
import { median } from './median'
import type { Thresholds } from './options'
import type { Probe } from './probe'
import type { Environment, Recommendation, Summary, TaskKind } from './report'

/** The kind of a function's work, from the medians of its samples (or from one sample). */
export function functionKind(summary: Pick<Summary, 'busy' | 'offMainRatio'>, t: Thresholds): TaskKind {
  if (summary.busy >= t.cpuBusy) return 'cpu'
  // Off-main CPU decides only when it outweighs the main thread's own share.
  if (summary.offMainRatio >= t.offloadedCpu && summary.offMainRatio >= summary.busy) return 'cpu-offloaded'
  if (summary.busy >= t.mixedBusy) return 'mixed'
  return 'io'
}

/**
 * Doubts about the advice that come from the probe, for waiting work whose probe saw no gain from
 * concurrency (the advice would be to run it inline): when it had no time left to read that again,
 * or when the machine was busy while it ran (`probeLoad`: the threads ready to run then, above the
 * CPUs), since a saturated machine holds back work that waits too (starting a child process is CPU).
 */
export function probeDoubts(
  kind: TaskKind,
  probe: Probe,
  t: Pick<Thresholds, 'plateauGain'>,
  busy: { probeLoad: number | null; cpus: number },
): string[] {
  if (kind !== 'io') return []
  const flat = probe.levels.length >= 2 && probe.bestSpeedup < t.plateauGain
  if (flat && probe.confirmed === false) {
    return [
      'The probe saw no gain from running calls at once but had no time left to read that again: ' +
        'a busy moment of the machine can look the same (raise `timeBudget`).',
    ]
  }
  const load = busy.probeLoad
  if (!flat || load === null || load <= busy.cpus) return []
  return [
    `The probe saw no gain from running calls at once while the machine was busy (${load.toFixed(1)} threads ready ` +
      `to run on ${busy.cpus} CPUs): a saturated machine holds back waiting work too. Classify it again on a quieter machine.`,
  ]
}

/**
 * Doubts about an offloaded verdict, from the other threads' CPU time per call in each sample and
 * probe level. Work a task hands to other threads costs about the same CPU per call however many
 * calls run at once; the engine's own threads do not (Node 20 gives no names to tell them apart):
 * compiling a library's code after its first use costs CPU per second, not per call, and on a busy
 * machine goes on for seconds. A `cpu-offloaded` verdict is in doubt when the lowest of those
 * figures is under a third of their median.
 */
export function offloadDoubts(kind: TaskKind, offMainCpuPerCall: readonly number[]): string[] {
  if (kind !== 'cpu-offloaded' || offMainCpuPerCall.length < 2) return []
  const lowest = Math.min(...offMainCpuPerCall)
  const middle = median(offMainCpuPerCall)
  if (lowest >= middle / 3) return []
  return [
    `CPU time off the main thread per call ranged from ${ms(lowest)} to ${ms(Math.max(...offMainCpuPerCall))} ` +
      "across the samples and the probe's levels: work handed to other threads costs about the same per call, " +
      "while the engine's own (compiling a library's code after its first use, for seconds on a busy machine) " +
      'does not. Classify it again on a quieter machine, or after the task has run for a while.',
  ]
}

/** How near a threshold (relative to it) a share must lie, on a busy machine, to be in doubt. */
export const nearShare = 0.25

/**
 * Doubts about a `cpu-offloaded` verdict whose share of CPU off the main thread lies near
 * `offloadedCpu` (within `nearShare` above it) while the machine was busy (`load` above its CPUs): the
 * engine's own threads (garbage collection, compiling) take more CPU time there, and a task that waits
 * can read as offloaded.
 */
export function offloadNearDoubts(
  kind: TaskKind,
  summary: Pick<Summary, 'offMainRatio'>,
  t: Pick<Thresholds, 'offloadedCpu'>,
  busy: { load: number; cpus: number },
): string[] {
  if (kind !== 'cpu-offloaded' || busy.load <= busy.cpus) return []
  if (summary.offMainRatio >= (1 + nearShare) * t.offloadedCpu) return []
  return [
    `CPU off the main thread, ${percent(summary.offMainRatio)} of the time, lies near \`offloadedCpu\` ` +
      `(${percent(t.offloadedCpu)}) and the machine was busy (${busy.load.toFixed(1)} threads ready to run on ${busy.cpus} CPUs), ` +
      "where the engine's own threads take more CPU time: another classification may read it otherwise. " +
      'Classify it again on a quieter machine.',
  ]
}

/**
 * The other threads' busy share of a sample if all their waits for a core were on the task's path:
 * the CPU time of the other threads over the wall time less every thread's wait (at least the time
 * the threads computed). `Measurement.offMainRatio` leaves out of each thread's time only its own wait
 * and the main thread's, which fits threads that compute side by side; `null` where the waits are
 * unknown.
 */
function handoffShare(m: Measurement): number | null {
  if (m.threadWaitMs === null || m.offMainWaitMs === null) return null
  const computing = (m.threadCpuMs ?? 0) + m.offMainCpuMs
  return m.offMainCpuMs / Math.max(m.wallMs - m.threadWaitMs - m.offMainWaitMs, computing, 1e-6)
}

/**
 * Doubts about a waiting verdict from work handed from thread to thread (a file read in chunks,
 * each on whichever pool thread is free): on a busy machine each hand-off waits for a core, and
 * each thread's share counts the other threads' waits as time it could have worked, so offloaded
 * work can read as waiting. An `io` verdict is in doubt when, with every wait left out, the other
 * threads' share (the median over the samples) would reach `offloadedCpu`.
 */
export function handoffDoubts(
  kind: TaskKind,
  samples: readonly Measurement[],
  t: Pick<Thresholds, 'offloadedCpu'>,
): string[] {
  if (kind !== 'io') return []
  const shares = samples.flatMap((m) => handoffShare(m) ?? [])
  if (shares.length === 0 || median(shares) < t.offloadedCpu) return []
  const waits = samples.flatMap((m) => m.offMainWaitMs ?? [])
  return [
    `The other threads waited for a core for ${ms(median(waits))} a sample (median): ` +
      'on a busy machine, work handed from thread to thread waits at each hand-off, and with those waits left out ' +
      `CPU off the main thread would be ${percent(median(shares))} of the time (>= ${percent(t.offloadedCpu)}, \`offloadedCpu\`). ` +
      'Classify it again on a quieter machine.',
  ]
}

function figuresSentence(s: Summary): string {
  return (
    `Each call took ${ms(s.callMs.median)} of wall time; CPU time was ${percent(s.cpuRatio)} of it, ` +
    `the main thread was busy ${percent(s.busy)} of the time (waits for a core left out; event-loop utilization ${percent(s.elu)}) and ` +
    `the other threads were busy ${percent(s.offMainRatio)} of it.`
  )
}

function kindSentence(kind: TaskKind, s: Summary, t: Thresholds, env: Environment): string {
  switch (kind) {
    case 'cpu':
      return `Main-thread busy time ${percentBeside(s.busy, t.cpuBusy)} is at or above ${percent(t.cpuBusy)} (\`cpuBusy\`): the work is CPU on the main thread.`
    case 'cpu-offloaded':
      return (
        `CPU time off the main thread was ${percentBeside(s.offMainRatio, t.offloadedCpu)} of wall time (>= ${percent(t.offloadedCpu)}, \`offloadedCpu\`) ` +
        `while the main thread was busy ${percent(s.busy)}: the work runs on libuv's thread pool (${env.threadPoolSize} threads).`
      )
    case 'mixed':
      return (
        `Main-thread busy time ${percentBeside(s.busy, s.busy < (t.mixedBusy + t.cpuBusy) / 2 ? t.mixedBusy : t.cpuBusy)} lies between ${percent(t.mixedBusy)} (\`mixedBusy\`) and ${percent(t.cpuBusy)} (\`cpuBusy\`): ` +
        'the task both waits and computes on the main thread.'
      )
    default:
      return `Main-thread busy time ${percentBeside(s.busy, t.mixedBusy)} is below ${percent(t.mixedBusy)} (\`mixedBusy\`): the task mostly waits.`
  }
}

/** The recommendation for a function, with the sentences that justify it. */
export function recommend(
  kind: TaskKind,
  s: Summary,
  probe: Probe,
  t: Thresholds,
  env: Environment,
  maxConcurrency: number,
): Recommendation {
  const reasons = [figuresSentence(s), kindSentence(kind, s, t, env), probeSentence(probe)]
  if (kind !== 'io' && s.callMs.median < t.inlineBelowMs) {
    reasons.push(
      `Each call took ${ms(s.callMs.median)}, under ${ms(t.inlineBelowMs)} (\`inlineBelowMs\`): handing it to a worker ` +
        '(a round trip costs tens of microseconds) or a pipeline would cost about as much as the work. Run it inline, ' +
        'or batch many calls into one task before reaching for a pool.',
    )
    return make('inline', exactly(1), reasons)
  }
  const advised = probeAdvice(probe, maxConcurrency)
  const growing = stillGrowing(advised)
  switch (kind) {
    case 'io': {
      if (probe.levels.length >= 2 && probe.bestSpeedup < t.plateauGain) {
        reasons.push(
          `Running more at once did not raise throughput (best ${fixed(probe.bestSpeedup)}x): something serialises the waits ` +
            '(a server handling one request at a time, a lock). Run it inline, one at a time.',
        )
        return make('inline', exactly(1), reasons)
      }
      if (growing) reasons.push(growing)
      reasons.push(`Use @boundkit/limiter with ${concurrencyText(advised)}.`)
      return make('limiter', advised, reasons)
    }
    case 'cpu':
      reasons.push(
        `More concurrency on one thread cannot help CPU work: use @boundkit/pool with ${env.cpus} worker${env.cpus === 1 ? '' : 's'} (one per core).`,
      )
      return make('pool', exactly(env.cpus), reasons)
    case 'cpu-offloaded': {
      const offloaded = probeAdvice(probe, env.threadPoolSize)
      const capped = offloaded.concurrency > env.threadPoolSize ? exactly(env.threadPoolSize) : offloaded
      reasons.push(
        'The work already runs off the main thread, so a worker pool adds nothing: ' +
          `use @boundkit/limiter with ${concurrencyText(capped)} so libuv's queue does not grow (more in flight only waits for its ${env.threadPoolSize} threads and delays file and DNS calls).`,
      )
      return make('limiter', capped, reasons)
    }
    default: {
      if (growing) reasons.push(growing)
      reasons.push(
        `Use @boundkit/pipeline: the waiting part with ${concurrencyText(advised)} and the CPU part in a pool of ${env.cpus} worker${env.cpus === 1 ? '' : 's'}, so both overlap.`,
      )
      return make('pipeline', advised, reasons, env.cpus)
    }
  }
}
