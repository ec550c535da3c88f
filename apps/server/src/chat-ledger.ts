/** One request's charge in a window: when it was admitted and the tokens it counts now. */
export interface ChatEntry {
  at: number
  tokens: number
  /** Still counted (false once its window ended or it slid out). */
  live: boolean
}

/** What a window has counted now, and when it is whole again. */
export interface LedgerState {
  requests: number
  tokens: number
  /** ms until the window is whole again: a fixed window's end; 0 for an empty sliding window. */
  fullInMs: number
}

/**
 * The charges counted over the budgets' window, `fixed` (quantized windows counted from the
 * budget's creation, each starting from zero) or `sliding` (the last `windowMs`).
 */
export interface ChatLedger {
  /** Counts a request of `tokens` admitted now. */
  add(tokens: number, now: number): ChatEntry
  state(now: number): LedgerState
  /**
   * ms until `requests` and `tokens` more would fit under `requestRoom` and `tokenRoom` (0: now);
   * `Infinity` when they never would.
   */
  fitsInMs(tokens: number, requestRoom: number, tokenRoom: number, now: number): number
  /** The entry counts `tokens` from now on, if it is still counted. */
  recount(entry: ChatEntry, tokens: number, now: number): void
}

/** Quantized windows of `windowMs` counted from `origin`: each starts from zero. */
export class FixedLedger implements ChatLedger {
  #window = 0
  #entries: ChatEntry[] = []
  #tokens = 0

  constructor(
    readonly windowMs: number,
    readonly origin: number,
  ) {}

  /** Moves to the current window; returns the ms until it ends. */
  #roll(now: number): number {
    const elapsed = Math.max(0, now - this.origin)
    const window = Math.floor(elapsed / this.windowMs)
    if (window !== this.#window) {
      this.#window = window
      for (const entry of this.#entries) entry.live = false
      this.#entries = []
      this.#tokens = 0
    }
    return (window + 1) * this.windowMs - elapsed
  }

  add(tokens: number, now: number): ChatEntry {
    this.#roll(now)
    const entry = { at: now, tokens, live: true }
    this.#entries.push(entry)
    this.#tokens += tokens
    return entry
  }

  state(now: number): LedgerState {
    const left = this.#roll(now)
    // A quantized window says when it ends even when nothing is counted: clients learn its edges.
    return { requests: this.#entries.length, tokens: this.#tokens, fullInMs: left }
  }

  fitsInMs(tokens: number, requestRoom: number, tokenRoom: number, now: number): number {
    const left = this.#roll(now)
    if (this.#entries.length + 1 <= requestRoom && this.#tokens + tokens <= tokenRoom) return 0
    return tokens <= tokenRoom ? left : Number.POSITIVE_INFINITY
  }

  recount(entry: ChatEntry, tokens: number, now: number): void {
    this.#roll(now)
    if (!entry.live) return
    this.#tokens = Math.max(0, this.#tokens + tokens - entry.tokens)
    entry.tokens = tokens
  }
}

/** A sliding window: what was admitted in the last `windowMs` counts. */
export class SlidingLedger implements ChatLedger {
  #entries: ChatEntry[] = []
  #head = 0
  #tokens = 0

  constructor(readonly windowMs: number) {}

  #expire(now: number): void {
    const entries = this.#entries
    while (this.#head < entries.length && entries[this.#head]!.at + this.windowMs <= now) {
      const entry = entries[this.#head++]!
      entry.live = false
      this.#tokens -= entry.tokens
    }
    if (this.#head > 1024 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head)
      this.#head = 0
    }
    if (this.#head === this.#entries.length) this.#tokens = 0
  }

  add(tokens: number, now: number): ChatEntry {
    this.#expire(now)
    const entry = { at: now, tokens, live: true }
    this.#entries.push(entry)
    this.#tokens += tokens
    return entry
  }

  state(now: number): LedgerState {
    this.#expire(now)
    const requests = this.#entries.length - this.#head
    const newest = this.#entries[this.#entries.length - 1]
    return {
      requests,
      tokens: this.#tokens,
      fullInMs: requests === 0 || !newest ? 0 : newest.at + this.windowMs - now,
    }
  }

  fitsInMs(tokens: number, requestRoom: number, tokenRoom: number, now: number): number {
    this.#expire(now)
    if (tokens > tokenRoom) return Number.POSITIVE_INFINITY
    let requests = this.#entries.length - this.#head + 1 - requestRoom
    let excess = this.#tokens + tokens - tokenRoom
    if (requests <= 0 && excess <= 0) return 0
    // The oldest entries slide out first: wait until enough of them have.
    for (let i = this.#head; i < this.#entries.length; i++) {
      requests--
      excess -= this.#entries[i]!.tokens
      if (requests <= 0 && excess <= 0) return this.#entries[i]!.at + this.windowMs - now
    }
    return Number.POSITIVE_INFINITY
  }

  recount(entry: ChatEntry, tokens: number, now: number): void {
    this.#expire(now)
    if (!entry.live) return
    this.#tokens = Math.max(0, this.#tokens + tokens - entry.tokens)
    entry.tokens = tokens
  }
}
