/**
 * Which Retry-After pauses the whole limiter (a cooldown) and which delays only its own item's
 * retry. A rate limit (a 429, or rate-limit headers saying a budget is spent) concerns every
 * request: it pauses everyone at once. Any other (a 503 from a flaky server) concerns that request:
 * it pauses everyone only once `after` answers in a row, with no success between them, asked to
 * wait (the server is down or overloaded, not flaky). A success starts the count again.
 */
export class CooldownPolicy {
  readonly #after: number
  /** Answers in a row (no success between them) that asked to wait without being a rate limit. */
  #streak = 0

  /** `after`: the `cooldown.after` option (Infinity: only rate limits pause everyone). */
  constructor(after: number) {
    this.#after = after
  }

  /** An attempt succeeded. */
  succeeded(): void {
    this.#streak = 0
  }

  /** A failure asked to wait: whether that wait pauses everyone. */
  shared(rateLimited: boolean): boolean {
    if (rateLimited) return true
    return ++this.#streak >= this.#after
  }
}
