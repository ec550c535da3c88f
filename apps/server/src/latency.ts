import type { RandomSource } from './random'

export type LatencyDistribution = 'fixed' | 'uniform' | 'normal' | 'exponential'

interface LatencyOptions {
  distribution: LatencyDistribution
  /** Mean (or the fixed value), in ms. */
  meanMs: number
  /** Half-width for `uniform`, standard deviation for `normal`; unused otherwise. */
  spreadMs: number
  /** Every draw is clamped to [0, maxMs]. */
  maxMs: number
}

/** Returns a function drawing one latency (ms) per call from the configured distribution. */
export function latencySampler(options: LatencyOptions, random: RandomSource): () => number {
  const { meanMs, spreadMs, maxMs } = options
  const clamp = (ms: number) => Math.min(maxMs, Math.max(0, ms))
  switch (options.distribution) {
    case 'fixed':
      return () => clamp(meanMs)
    case 'uniform':
      return () => clamp(meanMs - spreadMs + 2 * spreadMs * random())
    case 'normal':
      return () => {
        // Box-Muller; 1 - random() keeps the logarithm finite.
        const u = 1 - random()
        const v = random()
        return clamp(meanMs + spreadMs * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v))
      }
    case 'exponential':
      return () => clamp(-meanMs * Math.log(1 - random()))
  }
}
