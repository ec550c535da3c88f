import { estimateTokens } from '@boundkit/limiter'
import type { Pending } from '../../run/executor'
import type { LimitTokens } from './least-time'
import { type CountTokens, type LlmRequest, type RequestTokens, requestTokens } from './requests'

/** A record's request, built once: its cost, every attempt and its job share it. */
export interface Built {
  request: LlmRequest
  /** The body as sent: JSON, encoded once. */
  body: string
  /** Its tokens before it is sent, once counted. */
  tokens?: RequestTokens
}

/** Each pending record's request, built from its line once (and forgotten with the record). */
export class BuiltRequests {
  readonly #built = new WeakMap<Pending, Built>()
  readonly #requestOf: (record: unknown, line: number) => unknown
  readonly #countTokens: CountTokens | undefined
  /** The records counted so far and their tokens, for averages. */
  #counted = 0
  readonly #sum: LimitTokens = { prompt: 0, charged: 0, completion: 0 }

  constructor(requestOf: (record: unknown, line: number) => unknown, countTokens: CountTokens | undefined) {
    this.#requestOf = requestOf
    this.#countTokens = countTokens
  }

  of(item: Pending): Built {
    let entry = this.#built.get(item)
    if (entry === undefined) {
      const request = this.#requestOf(item.record, item.line) as LlmRequest
      entry = { request, body: JSON.stringify(request.body) }
      this.#built.set(item, entry)
    }
    return entry
  }

  /** The record's prompt estimate and completion bound (the tokenizer must have been given). */
  tokens(item: Pending): RequestTokens {
    const entry = this.of(item)
    if (entry.tokens === undefined) {
      entry.tokens = requestTokens(entry.request, this.#countTokens as CountTokens)
      this.#counted++
      this.#sum.prompt += entry.tokens.prompt
      this.#sum.charged += entry.tokens.charged
      this.#sum.completion += entry.tokens.completion ?? 0
    }
    return entry.tokens
  }

  /** What `--tpm` counts for the record: its prompt by the characters, and its completion bound. */
  charge(item: Pending): number {
    const { charged, completion } = this.tokens(item)
    return charged + (completion ?? 0)
  }

  /**
   * A bound on the record's prompt tokens for `--max-cost`: the larger of its estimate and the tokens of
   * its whole JSON body (roles, tools and options included), 5% over: what it is billed should not pass it.
   */
  promptBound(item: Pending): number {
    const entry = this.of(item)
    const estimate = this.tokens(item).prompt
    const whole = estimateTokens(entry.body, { tokenizer: this.#countTokens as CountTokens })
    return Math.ceil(Math.max(estimate, whole) * 1.05)
  }

  /** The tokens a record counted on average so far; 0 before any. */
  averageTokens(): LimitTokens {
    const n = Math.max(this.#counted, 1)
    const { prompt, charged, completion } = this.#sum
    return { prompt: prompt / n, charged: charged / n, completion: completion / n }
  }

  /** The model the record's request names. */
  model(item: Pending): string | undefined {
    const model = this.of(item).request.body.model
    return typeof model === 'string' ? model : undefined
  }
}
