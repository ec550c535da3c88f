const MINUTE_MS = 60_000

interface ChatBudgetOptions {
  /** Requests per minute; `Infinity`: no request limit. */
  requestsPerMinute: number
  /** Tokens per minute; `Infinity`: no token limit. */
  tokensPerMinute: number
  /** Width of the quantized windows the per-minute limits are enforced over, in ms. */
  windowMs: number
  /** The clock, in ms. */
  now: () => number
}

/** Which budget refused a request. */
export type ChatLimitKind = 'requests' | 'tokens'

/** What a request was charged at admission, to settle once its real usage is known. */
export interface ChatTicket {
  window: number
  tokens: number
}

export type AdmitResult =
  | { ok: true; ticket: ChatTicket }
  /** `tooLarge`: the charge alone is more than a whole window allows, so waiting never helps. */
  | { ok: false; kind: ChatLimitKind; limit: number; retryAfterMs: number; tooLarge: boolean }

/** A duration as Go prints it, as OpenAI's `x-ratelimit-reset-*` headers are: `12ms`, `1s`, `6m0s`, `1m30.5s`. */
export function goDuration(ms: number): string {
  if (ms <= 0) return '0s'
  if (ms < 1000) return `${Math.ceil(ms)}ms`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / MINUTE_MS)
  const seconds = Number(((ms % MINUTE_MS) / 1000).toFixed(3))
  const h = hours > 0 ? `${hours}h` : ''
  const m = hours > 0 || minutes > 0 ? `${minutes}m` : ''
  return `${h}${m}${seconds}s`
}

/**
 * Request and token budgets per minute, enforced as real APIs do over shorter quantized windows: each
 * window of `windowMs` (counted from the budget's creation) allows `floor(limit x windowMs / 60 s)`
 * requests and tokens, and starts from zero. A request is charged 1 request and its estimated tokens
 * at admission; `settle` replaces the estimate with its real usage if its window is still the current one.
 */
export class ChatBudget {
  readonly #options: ChatBudgetOptions
  readonly #origin: number
  #window = 0
  #requests = 0
  #tokens = 0

  constructor(options: ChatBudgetOptions) {
    this.#options = options
    this.#origin = options.now()
  }

  /** What one window allows of a per-minute limit (`Infinity` stays `Infinity`). */
  #perWindow(perMinute: number): number {
    return Math.floor((perMinute * this.#options.windowMs) / MINUTE_MS)
  }

  /** Moves to the current window; returns the ms until it ends. */
  #roll(): number {
    const elapsed = Math.max(0, this.#options.now() - this.#origin)
    const window = Math.floor(elapsed / this.#options.windowMs)
    if (window !== this.#window) {
      this.#window = window
      this.#requests = 0
      this.#tokens = 0
    }
    return (window + 1) * this.#options.windowMs - elapsed
  }

  /** Charges one request and `tokens`, or says which budget is spent and when it refills. */
  admit(tokens: number): AdmitResult {
    const retryAfterMs = this.#roll()
    const { requestsPerMinute, tokensPerMinute } = this.#options
    const tokenRoom = this.#perWindow(tokensPerMinute)
    if (tokens > tokenRoom) {
      return { ok: false, kind: 'tokens', limit: tokensPerMinute, retryAfterMs, tooLarge: true }
    }
    if (this.#requests + 1 > this.#perWindow(requestsPerMinute)) {
      return { ok: false, kind: 'requests', limit: requestsPerMinute, retryAfterMs, tooLarge: false }
    }
    if (this.#tokens + tokens > tokenRoom) {
      return { ok: false, kind: 'tokens', limit: tokensPerMinute, retryAfterMs, tooLarge: false }
    }
    this.#requests += 1
    this.#tokens += tokens
    return { ok: true, ticket: { window: this.#window, tokens } }
  }

  /** Replaces a ticket's charged tokens with `usedTokens` (refund or extra), if its window is still current. */
  settle(ticket: ChatTicket, usedTokens: number): void {
    this.#roll()
    if (ticket.window === this.#window) this.#tokens = Math.max(0, this.#tokens - ticket.tokens + usedTokens)
  }

  /**
   * OpenAI's rate-limit headers for each finite limit: the per-minute limit, what is left of the window
   * enforced now, and the time until that window ends (a Go duration).
   */
  headers(): Record<string, string> {
    const reset = goDuration(this.#roll())
    const headers: Record<string, string> = {}
    const budgets = [
      ['requests', this.#options.requestsPerMinute, this.#requests],
      ['tokens', this.#options.tokensPerMinute, this.#tokens],
    ] as const
    for (const [kind, perMinute, used] of budgets) {
      if (!Number.isFinite(perMinute)) continue
      headers[`x-ratelimit-limit-${kind}`] = String(perMinute)
      headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, this.#perWindow(perMinute) - used))
      headers[`x-ratelimit-reset-${kind}`] = reset
    }
    return headers
  }
}
