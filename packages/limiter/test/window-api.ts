import type { FakeClock } from './fake-clock'

/** How the model API counts: when a charge is final, and the window its per-minute limits hold over. */
export interface ApiRule {
  accounting: 'reserve' | 'refund'
  /** The enforcement window, ms. */
  window: number
  mode: 'fixed' | 'sliding'
}

interface Entry {
  at: number
  tokens: number
}

/**
 * A model of an LLM API's token budget on a fake clock: `tokensPerMinute` enforced as
 * `tokensPerMinute x window / 60 s` per window (fixed from time `origin`, or sliding), a request
 * charged its estimate at admission and (refund) corrected to its usage when answered. Its headers
 * are OpenAI's: the per-minute limit, what the window has left, and when it is whole again.
 */
export class WindowApi {
  readonly log: { admitted: number[]; refused: number[] } = { admitted: [], refused: [] }
  #entries: Entry[] = []

  constructor(
    readonly clock: FakeClock,
    readonly rule: ApiRule,
    readonly tokensPerMinute: number,
    readonly origin = clock.now(),
  ) {}

  get perWindow(): number {
    return Math.floor((this.tokensPerMinute * this.rule.window) / 60_000)
  }

  /** The first time the window counting now began (fixed), or what slid out (sliding). */
  #counted(now: number): Entry[] {
    const { window, mode } = this.rule
    const since =
      mode === 'fixed' ? this.origin + Math.floor((now - this.origin) / window) * window : now - window + 1
    this.#entries = this.#entries.filter((e) => e.at >= since)
    return this.#entries
  }

  #used(now: number): number {
    return this.#counted(now).reduce((sum, e) => sum + e.tokens, 0)
  }

  /** Admits a request charged `tokens` now, or refuses it (429). */
  admit(tokens: number): Entry | undefined {
    const now = this.clock.now()
    if (this.#used(now) + tokens > this.perWindow) {
      this.log.refused.push(now)
      return undefined
    }
    const entry = { at: now, tokens }
    this.#entries.push(entry)
    this.log.admitted.push(now)
    return entry
  }

  /** The answer of `entry` used `tokens`. */
  settle(entry: Entry, tokens: number): void {
    if (this.rule.accounting === 'refund') entry.tokens = tokens
  }

  headers(): Record<string, string> {
    const now = this.clock.now()
    const counted = this.#counted(now)
    const { window, mode } = this.rule
    const end =
      mode === 'fixed'
        ? this.origin + (Math.floor((now - this.origin) / window) + 1) * window
        : (counted.at(-1)?.at ?? now - window) + window
    return {
      'x-ratelimit-limit-tokens': String(this.tokensPerMinute),
      'x-ratelimit-remaining-tokens': String(Math.max(0, this.perWindow - this.#used(now))),
      'x-ratelimit-reset-tokens': `${Math.max(0, end - now)}ms`,
    }
  }
}
