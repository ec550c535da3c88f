import type { ChatWindowMode } from './chat-budget'
import { type ChatEntry, type ChatLedger, FixedLedger, SlidingLedger } from './chat-ledger'

const MINUTE_MS = 60_000

interface MessagesBudgetOptions {
  /** Requests per minute; `Infinity`: no request limit. */
  requestsPerMinute: number
  /** Input tokens per minute (ITPM); `Infinity`: no limit. */
  inputTokensPerMinute: number
  /** Output tokens per minute (OTPM); `Infinity`: no limit. */
  outputTokensPerMinute: number
  /** Width of the windows the per-minute limits are enforced over, in ms. */
  windowMs: number
  windowMode: ChatWindowMode
  /** The clock of the windows, in ms. */
  now: () => number
  /** The wall clock (epoch ms) of the RFC 3339 resets. @default Date.now */
  wallClock?: () => number
}

/** Which of Anthropic's budgets refused a request. */
export type MessagesLimitKind = 'requests' | 'input-tokens' | 'output-tokens'

/** What a request was charged in the output budget, settled once its answer's length is known. */
export interface MessagesTicket {
  output: ChatEntry
}

export type MessagesAdmitResult =
  | { ok: true; ticket: MessagesTicket }
  /** `tooLarge`: the charge alone is more than a whole window allows, so waiting never helps. */
  | { ok: false; kind: MessagesLimitKind; limit: number; retryAfterMs: number; tooLarge: boolean }

/**
 * Anthropic's budgets over the chat budgets' windows: requests and input tokens (ITPM: the prompt,
 * final at admission) in one ledger, output tokens (OTPM: `max_tokens` at admission, settled to the
 * answer's real output tokens, as Anthropic documents) in another. Each window of `windowMs` allows
 * `floor(limit x windowMs / 60 s)`; a request is admitted only when every budget has room.
 */
export class MessagesBudget {
  readonly #options: MessagesBudgetOptions
  readonly #input: ChatLedger
  readonly #output: ChatLedger

  constructor(options: MessagesBudgetOptions) {
    this.#options = options
    const ledger = () =>
      options.windowMode === 'sliding'
        ? new SlidingLedger(options.windowMs)
        : new FixedLedger(options.windowMs, options.now())
    this.#input = ledger()
    this.#output = ledger()
  }

  #perWindow(perMinute: number): number {
    return Math.floor((perMinute * this.#options.windowMs) / MINUTE_MS)
  }

  /** Charges one request, its `input` tokens and `maxTokens` of output, or says which budget is spent. */
  admit(input: number, maxTokens: number): MessagesAdmitResult {
    const now = this.#options.now()
    const { requestsPerMinute, inputTokensPerMinute, outputTokensPerMinute } = this.#options
    const requestRoom = this.#perWindow(requestsPerMinute)
    const inputRoom = this.#perWindow(inputTokensPerMinute)
    const outputRoom = this.#perWindow(outputTokensPerMinute)
    const limits: Record<MessagesLimitKind, number> = {
      requests: requestsPerMinute,
      'input-tokens': inputTokensPerMinute,
      'output-tokens': outputTokensPerMinute,
    }
    const refuse = (kind: MessagesLimitKind, retryAfterMs: number, tooLarge = false) =>
      ({ ok: false, kind, limit: limits[kind], retryAfterMs, tooLarge }) as const
    if (input > inputRoom) return refuse('input-tokens', this.#input.state(now).fullInMs, true)
    if (maxTokens > outputRoom) return refuse('output-tokens', this.#output.state(now).fullInMs, true)
    const inputWait = this.#input.fitsInMs(input, requestRoom, inputRoom, now)
    const outputWait = this.#output.fitsInMs(maxTokens, Number.POSITIVE_INFINITY, outputRoom, now)
    if (inputWait > 0 || outputWait > 0) {
      const retryAfterMs = Math.max(inputWait, outputWait)
      if (outputWait > 0 && inputWait === 0) return refuse('output-tokens', retryAfterMs)
      const requests = this.#input.state(now).requests + 1 > requestRoom
      return refuse(requests ? 'requests' : 'input-tokens', retryAfterMs)
    }
    this.#input.add(input, now)
    return { ok: true, ticket: { output: this.#output.add(maxTokens, now) } }
  }

  /** The answer used `outputTokens`: the output charge becomes that while it still counts. */
  settle(ticket: MessagesTicket, outputTokens: number): void {
    this.#output.recount(ticket.output, outputTokens, this.#options.now())
  }

  /**
   * Anthropic's `anthropic-ratelimit-{requests,input-tokens,output-tokens}-{limit,remaining,reset}` for
   * each finite limit: the per-minute limit, what is left of the window enforced now, and when that
   * window is whole again (RFC 3339).
   */
  headers(): Record<string, string> {
    const now = this.#options.now()
    const wall = (this.#options.wallClock ?? Date.now)()
    const input = this.#input.state(now)
    const output = this.#output.state(now)
    const budgets = [
      ['requests', this.#options.requestsPerMinute, input.requests, input.fullInMs],
      ['input-tokens', this.#options.inputTokensPerMinute, input.tokens, input.fullInMs],
      ['output-tokens', this.#options.outputTokensPerMinute, output.tokens, output.fullInMs],
    ] as const
    const headers: Record<string, string> = {}
    for (const [kind, perMinute, used, fullInMs] of budgets) {
      if (!Number.isFinite(perMinute)) continue
      const prefix = `anthropic-ratelimit-${kind}`
      headers[`${prefix}-limit`] = String(perMinute)
      headers[`${prefix}-remaining`] = String(Math.max(0, this.#perWindow(perMinute) - used))
      headers[`${prefix}-reset`] = new Date(wall + fullInMs).toISOString()
    }
    return headers
  }
}
