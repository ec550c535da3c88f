/**
 * A token bucket: holds up to `burst` tokens, refilled at `ratePerSecond`; each request takes one.
 * Time comes from `now` (milliseconds) so tests need no real waiting.
 */
interface TokenBucketOptions {
  ratePerSecond: number
  burst: number
  now: () => number
}

type TakeResult = { ok: true } | { ok: false; retryAfterMs: number }

export class TokenBucket {
  readonly #rate: number
  readonly #burst: number
  readonly #now: () => number
  #tokens: number
  #last: number

  constructor(options: TokenBucketOptions) {
    this.#rate = options.ratePerSecond
    this.#burst = options.burst
    this.#now = options.now
    this.#tokens = options.burst
    this.#last = options.now()
  }

  /** Takes a token, or says how long until one is available. */
  take(): TakeResult {
    if (this.#rate === Number.POSITIVE_INFINITY) return { ok: true }
    const now = this.#now()
    const elapsed = Math.max(0, now - this.#last)
    this.#last = now
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000)
    if (this.#tokens >= 1) {
      this.#tokens -= 1
      return { ok: true }
    }
    return { ok: false, retryAfterMs: ((1 - this.#tokens) * 1000) / this.#rate }
  }
}
