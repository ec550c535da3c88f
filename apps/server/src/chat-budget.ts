import { type ChatEntry, type ChatLedger, FixedLedger, SlidingLedger } from './chat-ledger'

const MINUTE_MS = 60_000

/** When a request's token charge is final: at admission (OpenAI's documented rule), or once its usage is known. */
export type ChatAccounting = 'reserve' | 'refund'

/** How the per-minute limits are enforced: per quantized window, or over the last window. */
export type ChatWindowMode = 'fixed' | 'sliding'

interface ChatBudgetOptions {
  /** Requests per minute; `Infinity`: no request limit. */
  requestsPerMinute: number
  /** Tokens per minute; `Infinity`: no token limit. */
  tokensPerMinute: number
  /** Width of the windows the per-minute limits are enforced over, in ms. */
  windowMs: number
  /** `fixed`: quantized windows counted from the budget's creation; `sliding`: the last `windowMs`. */
  windowMode: ChatWindowMode
  /** `reserve`: a request keeps what it was charged at admission; `refund`: its charge becomes its usage. */
  accounting: ChatAccounting
  /** The clock, in ms. */
  now: () => number
}

/** Which budget refused a request. */
export type ChatLimitKind = 'requests' | 'tokens'

/** What a request was charged at admission, to settle once its real usage is known. */
export interface ChatTicket {
  entry: ChatEntry
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
 * Request and token budgets per minute, enforced as real APIs do over shorter windows: each window of
 * `windowMs` (quantized, or sliding) allows `floor(limit x windowMs / 60 s)` requests and tokens. A
 * request is charged 1 request and its estimated tokens at admission; with `refund` accounting,
 * `settle` then replaces the estimate with its real usage while the charge still counts; with
 * `reserve`, only a usage above the charge is added.
 */
export class ChatBudget {
  readonly #options: ChatBudgetOptions
  readonly #ledger: ChatLedger

  constructor(options: ChatBudgetOptions) {
    this.#options = options
    this.#ledger =
      options.windowMode === 'sliding'
        ? new SlidingLedger(options.windowMs)
        : new FixedLedger(options.windowMs, options.now())
  }

  /** What one window allows of a per-minute limit (`Infinity` stays `Infinity`). */
  #perWindow(perMinute: number): number {
    return Math.floor((perMinute * this.#options.windowMs) / MINUTE_MS)
  }

  /** Charges one request and `tokens`, or says which budget is spent and when it has room. */
  admit(tokens: number): AdmitResult {
    const now = this.#options.now()
    const { requestsPerMinute, tokensPerMinute } = this.#options
    const tokenRoom = this.#perWindow(tokensPerMinute)
    const requestRoom = this.#perWindow(requestsPerMinute)
    if (tokens > tokenRoom) {
      const retryAfterMs = this.#ledger.state(now).fullInMs
      return { ok: false, kind: 'tokens', limit: tokensPerMinute, retryAfterMs, tooLarge: true }
    }
    const state = this.#ledger.state(now)
    if (state.requests + 1 > requestRoom || state.tokens + tokens > tokenRoom) {
      const kind = state.requests + 1 > requestRoom ? 'requests' : 'tokens'
      const limit = kind === 'requests' ? requestsPerMinute : tokensPerMinute
      const retryAfterMs = this.#ledger.fitsInMs(tokens, requestRoom, tokenRoom, now)
      return { ok: false, kind, limit, retryAfterMs, tooLarge: false }
    }
    return { ok: true, ticket: { entry: this.#ledger.add(tokens, now), tokens } }
  }

  /** The request of `ticket` used `usedTokens`: its charge follows the accounting rule. */
  settle(ticket: ChatTicket, usedTokens: number): void {
    if (this.#options.accounting === 'reserve' && usedTokens <= ticket.tokens) return
    this.#ledger.recount(ticket.entry, usedTokens, this.#options.now())
  }

  /**
   * OpenAI's rate-limit headers for each finite limit: the per-minute limit, what is left of the window
   * enforced now, and the time until that window is whole again (a Go duration).
   */
  headers(): Record<string, string> {
    const state = this.#ledger.state(this.#options.now())
    const reset = goDuration(state.fullInMs)
    const headers: Record<string, string> = {}
    const budgets = [
      ['requests', this.#options.requestsPerMinute, state.requests],
      ['tokens', this.#options.tokensPerMinute, state.tokens],
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
