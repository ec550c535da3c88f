import { AimdStrategy } from './aimd'
import type { ConcurrencyEvent } from './events'
import { GradientStrategy } from './gradient'
import type { ConcurrencyStrategy } from './strategy'

/** `concurrency: 'auto' | { min, max, initial, strategy }` checked, defaults filled in. */
export interface ResolvedAdaptive {
  min: number
  max: number
  initial: number
  strategy: 'aimd' | 'gradient'
}

export function strategyFor(name: ResolvedAdaptive['strategy']): ConcurrencyStrategy {
  return name === 'aimd' ? new AimdStrategy() : new GradientStrategy()
}

/**
 * Finds the concurrency: each finished attempt is a sample for the strategy; the limit stays an
 * integer within [min, max]. A drop lowers it at most once per round trip: drops of attempts that
 * started before the last decrease were already answered by it (a burst of 429s halves it once).
 */
export class AdaptiveController {
  readonly #min: number
  readonly #max: number
  readonly #strategy: ConcurrencyStrategy
  readonly #changed: (event: ConcurrencyEvent) => void
  /** The strategy's estimate (fractional). */
  #estimate: number
  #limit: number
  #lastDecrease = Number.NEGATIVE_INFINITY

  constructor(
    options: ResolvedAdaptive,
    changed: (event: ConcurrencyEvent) => void,
    strategy?: ConcurrencyStrategy,
  ) {
    this.#min = options.min
    this.#max = options.max
    this.#strategy = strategy ?? strategyFor(options.strategy)
    this.#changed = changed
    this.#estimate = options.initial
    this.#limit = options.initial
  }

  get limit(): number {
    return this.#limit
  }

  /** An attempt started at `start` succeeded at `now`, `inflight` attempts (itself included) running. */
  succeeded(start: number, now: number, inflight: number): void {
    const next = this.#strategy.succeeded(this.#estimate, { rtt: Math.max(0, now - start), inflight })
    this.#move(next, next >= this.#estimate ? 'increase' : 'decrease', now)
  }

  /** An attempt started at `start` was dropped at `now` (429, 503, timeout). */
  dropped(start: number, now: number, reason: ConcurrencyEvent['reason']): void {
    if (start < this.#lastDecrease) return
    this.#move(this.#strategy.dropped(this.#estimate), reason, now)
  }

  #move(estimate: number, reason: ConcurrencyEvent['reason'], now: number): void {
    this.#estimate = Math.min(this.#max, Math.max(this.#min, estimate))
    const limit = Math.floor(this.#estimate)
    const previous = this.#limit
    if (limit === previous) return
    if (limit < previous) this.#lastDecrease = now
    this.#limit = limit
    this.#changed({ limit, previous, reason })
  }
}
