import type { ConcurrencySample, ConcurrencyStrategy } from './strategy'

/**
 * Additive increase, multiplicative decrease (Netflix concurrency-limits' AIMD, TCP's congestion
 * window): +1 after each success while the limit is used (in flight >= half of it), x `backoff`
 * on a drop. No latency signal: it finds the limit by hitting it.
 */
export class AimdStrategy implements ConcurrencyStrategy {
  constructor(readonly backoff = 0.5) {}

  succeeded(limit: number, sample: ConcurrencySample): number {
    return sample.inflight * 2 >= limit ? limit + 1 : limit
  }

  dropped(limit: number): number {
    return limit * this.backoff
  }
}
