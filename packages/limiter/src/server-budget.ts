/**
 * The server's view of one budget, as its last rate-limit headers gave it: `remaining` more (in
 * the window's unit: starts or cost) until `resetAt`. While it holds, its window admits no more
 * than that; at the reset the window's own limit alone applies again. The server can only make a
 * window more conservative, never less than its own limit.
 */
export class ServerBudget {
  /**
   * What the server says remains, minus what started since it said so: below 0 when more started
   * (what a sliding window frees as our starts slide out pays that first).
   */
  remaining = 0
  /** When the server's budget is full again (clock ms); the view holds until then. */
  resetAt = 0
  /** Start of the attempt whose answer set the view: answers to attempts started before it are stale. */
  since = Number.NEGATIVE_INFINITY
  /** When the view was set (clock ms). */
  setAt = 0

  active(now: number): boolean {
    return now < this.resetAt
  }

  /**
   * The server answered an attempt started at `start`: `remaining` left, full again in `resetMs`.
   * Ignored (false) when stale: the view in force came from an attempt started later.
   */
  update(remaining: number, resetMs: number, start: number, now: number): boolean {
    if (this.active(now) && start < this.since) return false
    this.remaining = remaining
    this.resetAt = now + resetMs
    this.since = start
    this.setAt = now
    return true
  }

  /** When a start of `cost` is allowed as far as the server is concerned (-Infinity: now). */
  freeAt(cost: number, now: number): number {
    return cost > 0 && cost > this.remaining && this.active(now) ? this.resetAt : Number.NEGATIVE_INFINITY
  }

  /**
   * A start at `start` counts `delta` more (negative: a refund, when the real cost was lower than
   * the estimate). A refund counts only for a start the view already counted (after it was set):
   * the server counts its own refunds of older starts in the remaining it sends next.
   */
  adjust(delta: number, start: number, now: number): void {
    if (!this.active(now) || (delta < 0 && start < this.setAt)) return
    this.remaining -= delta
  }
}
