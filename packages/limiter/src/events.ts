import { Emitter, type EventNames } from '@boundkit/internal'
import { invalidOption } from './errors'
import type { LimiterStats } from './stats'

/** A failed attempt that will be retried (`retry()`'s `onRetry` and the limiter's `'retry'` event). */
export interface RetryEvent {
  /** The attempt that failed (1 = the first). */
  attempt: number
  /** Wait before the next attempt, in ms. */
  delay: number
  /** The thrown error or returned Response. */
  failure: unknown
}

/** Events `limiter.on()` accepts, with their payloads. */
export interface LimiterEvents {
  /** The counters changed (a start, an end, a retry scheduled, a cooldown begun or over). */
  progress: LimiterStats
  /** A failed attempt of item `index` (0 for `run`) will be retried after `delay` ms. */
  retry: RetryEvent & { index: number }
  /**
   * A Retry-After started (or extended) a cooldown: no new starts until `until` (epoch ms on the
   * limiter's clock), `delay` ms from now.
   */
  cooldown: { until: number; delay: number }
  /** Every job has ended. */
  idle: undefined
  /** Adaptive concurrency changed its limit (see `ConcurrencyEvent`). */
  concurrency: ConcurrencyEvent
}

/** Adaptive concurrency moved its limit from `previous` to `limit`. */
export interface ConcurrencyEvent {
  limit: number
  previous: number
  /**
   * `'increase'`: the limit was used and latency did not rise; `'decrease'`: latency rose, or a
   * 503; `'rate-limited'`: a 429; `'timeout'`: an attempt timed out.
   */
  reason: 'increase' | 'decrease' | 'rate-limited' | 'timeout'
}

export const LIMITER_EVENTS: EventNames<LimiterEvents> = {
  progress: true,
  retry: true,
  cooldown: true,
  idle: true,
  concurrency: true,
}

/** The limiter's emitter; `watched` says whether anyone listens to 'progress' (checked twice per job). */
export class LimiterEmitter extends Emitter<LimiterEvents> {
  watched = false

  constructor() {
    super(LIMITER_EVENTS, invalidOption)
  }

  override on<K extends keyof LimiterEvents>(
    event: K,
    listener: (payload: LimiterEvents[K]) => void,
  ): () => void {
    const off = super.on(event, listener)
    this.watched = this.has('progress')
    return () => {
      off()
      this.watched = this.has('progress')
    }
  }
}
