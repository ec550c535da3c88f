import type { ConcurrencySample, ConcurrencyStrategy } from './strategy'

/**
 * A latency gradient (after Netflix's Gradient2 and Envoy's adaptive concurrency filter): the
 * ratio of a long-term baseline RTT to the short-term RTT says whether requests queue at the
 * server. The short-term RTT is an exponential average of the last ~20 samples; the baseline
 * follows it down at once and up slowly (a minimum of smoothed RTTs, so one fast outlier does not
 * set it, and an old minimum is forgotten). `gradient = clamp(0.5, 1, tolerance x baseline /
 * short)`; the target is `limit x gradient + 1` (+1 while latency holds, less as it rises) and
 * the limit moves a fifth of the way to it per sample. It grows only while the limit is used (in
 * flight >= half of it); a drop (429, 503, timeout) halves it.
 */
export class GradientStrategy implements ConcurrencyStrategy {
  /** Long-term RTT: follows a lower short-term RTT at once, a higher one slowly. */
  #baseline = 0
  /** Short-term RTT: an exponential average of the last ~20 samples. */
  #short = 0
  #samples = 0

  constructor(
    readonly tolerance = 1.5,
    readonly smoothing = 0.2,
  ) {}

  succeeded(limit: number, { rtt, inflight }: ConcurrencySample): number {
    if (this.#samples++ === 0) {
      this.#baseline = rtt
      this.#short = rtt
    } else {
      this.#short += (rtt - this.#short) * 0.1
      const short = this.#short
      this.#baseline = short < this.#baseline ? short : this.#baseline + (short - this.#baseline) * 0.002
    }
    const gradient =
      this.#short <= 0 ? 1 : Math.min(1, Math.max(0.5, (this.tolerance * this.#baseline) / this.#short))
    let target = limit * gradient + 1
    if (inflight * 2 < limit && target > limit) target = limit
    return limit + (target - limit) * this.smoothing
  }

  dropped(limit: number): number {
    return limit * 0.5
  }

  /** The RTTs it compares (ms), for tests. */
  get rtts(): { baseline: number; short: number } {
    return { baseline: this.#baseline, short: this.#short }
  }
}
