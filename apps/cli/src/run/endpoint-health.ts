/** When an endpoint is drained, and for how long. */
export interface DrainPolicy {
  /** Failures in a row (5xx, timeouts, lost connections) that drain it. @default 3 */
  failures: number
  /**
   * 429s in a row, with no answer between, that drain it (a 429 storm); a 429 counts only when its
   * request was sent after the previous 429 came (those sent together are one refusal). @default 5
   */
  rateLimited: number
  /** The first cooldown, ms; each drain right after a failed probe doubles it. @default 30000 */
  cooldownMs: number
  /** The longest cooldown, ms. @default 300000 */
  maxCooldownMs: number
}

export const DEFAULT_DRAIN: DrainPolicy = {
  failures: 3,
  rateLimited: 5,
  cooldownMs: 30_000,
  maxCooldownMs: 300_000,
}

/** What an attempt on an endpoint told of its health. */
export type AttemptVerdict = 'answered' | 'rateLimited' | 'fault'

/**
 * Whether an endpoint takes requests: it is drained after `failures` faults or `rateLimited` 429s in
 * a row, for a cooldown; then one request (the probe) goes to it, and the others wait for its answer:
 * an answer ends the drain, a fault drains it again for twice as long.
 */
export class EndpointHealth {
  readonly #policy: DrainPolicy
  #faults = 0
  #rateLimited = 0
  /** When the last 429 came (ms), 0 before any. */
  #lastRateLimited = 0
  /** The current or next cooldown, ms. */
  #cooldownMs: number
  /** When the drain ends (ms, `Date.now()`), 0 when not drained. */
  #until = 0
  #probing = false
  /** Drains so far (count). */
  drains = 0

  constructor(policy: DrainPolicy = DEFAULT_DRAIN) {
    this.#policy = policy
    this.#cooldownMs = policy.cooldownMs
  }

  /** Drained now: no request should go to it while another endpoint can take it. */
  drained(now: number): boolean {
    return this.#until > 0 && (now < this.#until || this.#probing)
  }

  /** When the current drain ends (ms), 0 when not drained. */
  get until(): number {
    return this.#until
  }

  /** An attempt starts on it: past a drain, it is the probe. */
  started(now: number): void {
    if (this.#until > 0 && now >= this.#until) this.#probing = true
  }

  /** An attempt that was to start never did (moved elsewhere, cleared): a probe may go again. */
  notStarted(): void {
    this.#probing = false
  }

  /**
   * An attempt sent at `sentAt` ended; true when this drained the endpoint (its waiting requests go
   * elsewhere).
   */
  ended(verdict: AttemptVerdict, now: number, sentAt = now): boolean {
    if (verdict === 'answered') {
      this.#faults = 0
      this.#rateLimited = 0
      this.#until = 0
      this.#probing = false
      this.#cooldownMs = this.#policy.cooldownMs
      return false
    }
    if (verdict === 'fault') this.#faults++
    else {
      if (sentAt <= this.#lastRateLimited) {
        this.#lastRateLimited = now
        return false
      }
      this.#lastRateLimited = now
      this.#rateLimited++
    }
    const probeFailed = this.#probing && verdict === 'fault'
    if (
      !probeFailed &&
      this.#faults < this.#policy.failures &&
      this.#rateLimited < this.#policy.rateLimited
    ) {
      return false
    }
    if (this.drained(now) && !probeFailed) return false
    this.#until = now + this.#cooldownMs
    this.#cooldownMs = Math.min(this.#cooldownMs * 2, this.#policy.maxCooldownMs)
    this.#faults = 0
    this.#rateLimited = 0
    this.#probing = false
    this.drains++
    return true
  }
}
