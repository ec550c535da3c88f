import type { Probe } from './probe'
import type { Recommendation, Strategy } from './report'

/** What the probe advises, and the sentences about it, for functions and commands alike. */

export function fixed(value: number): string {
  return value >= 10 ? value.toFixed(0) : value.toFixed(1)
}

/** "throughput grew 7.6x from 1 to 8 concurrent runs (knee at 8; ...)". */
export function probeSentence(probe: Probe): string {
  const last = probe.levels[probe.levels.length - 1]!
  if (probe.levels.length < 2) {
    return 'The concurrency probe had no time left in the time budget to try more than one run at a time.'
  }
  const best = probe.levels.reduce((a, b) => (b.throughput > a.throughput ? b : a))
  if (best.concurrency === 1) {
    const second = probe.levels[1]!
    return (
      `Throughput did not grow with concurrency: ${second.concurrency} concurrent runs gave ` +
      `${second.speedup.toFixed(2)}x the throughput of one at a time.`
    )
  }
  const stop =
    probe.stoppedBy === 'plateau'
      ? 'it stopped when doubling no longer helped'
      : probe.stoppedBy === 'max-concurrency'
        ? `it stopped at \`maxConcurrency\` (${last.concurrency})`
        : `it stopped at ${last.concurrency} to stay within the time budget`
  return (
    `Throughput grew ${fixed(best.speedup)}x from 1 to ${best.concurrency} concurrent runs ` +
    `(knee at ${probe.knee}; ${stop}).`
  )
}

/** A concurrency to advise, and whether it is a lower bound (see `Recommendation.atLeast`). */
export interface Advised {
  concurrency: number
  atLeast: boolean
}

/**
 * The probe's advice: its knee, and a lower bound when throughput was still growing at the last
 * level it tried (it stopped at `maxConcurrency` or the time budget, not at a plateau, and the knee
 * is that level); `fallback` when it never got past one run at a time.
 */
export function probeAdvice(probe: Probe, fallback: number): Advised {
  if (probe.levels.length < 2) return { concurrency: fallback, atLeast: false }
  const last = probe.levels[probe.levels.length - 1]!
  return {
    concurrency: probe.knee,
    atLeast: probe.stoppedBy !== 'plateau' && probe.knee === last.concurrency,
  }
}

/** "concurrency 8", or "concurrency at least 16". */
export function concurrencyText(advised: Advised): string {
  return `concurrency ${advised.atLeast ? 'at least ' : ''}${advised.concurrency}`
}

/** The sentence for a probe still growing at its last level, or `undefined`. */
export function stillGrowing(advised: Advised): string | undefined {
  if (!advised.atLeast) return undefined
  return (
    `Throughput was still growing at ${advised.concurrency}: the advice is a lower bound, and a higher ` +
    'concurrency may pay (raise `maxConcurrency` or `timeBudget` to find the knee).'
  )
}

export function make(
  strategy: Strategy,
  advised: Advised,
  reasons: string[],
  poolSize?: number,
): Recommendation {
  const { concurrency, atLeast } = advised
  return poolSize === undefined
    ? { strategy, concurrency, atLeast, reasons }
    : { strategy, concurrency, atLeast, poolSize, reasons }
}

/** A fixed concurrency (one per core, inline): never a lower bound. */
export function exactly(concurrency: number): Advised {
  return { concurrency, atLeast: false }
}
