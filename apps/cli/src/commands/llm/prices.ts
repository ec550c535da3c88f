import { calcPrice } from '@pydantic/genai-prices'
import type { Price } from './settings'

/**
 * The tokens of one request to price: its prompt (of which `cached` were read from the cache and
 * `cacheWrite` written to it) and its completion.
 */
export interface Tokens {
  prompt: number
  cached?: number
  cacheWrite?: number
  completion: number
}

/**
 * The worst case of a request's tokens for `--max-cost`: its prompt bound and its completion bound; a
 * request whose JSON body asks for prompt caching (Anthropic's `cache_control`) may have its whole
 * prompt written to the cache, priced above input.
 */
export function worstTokens(prompt: number, completion: number, body: string): Tokens {
  return body.includes('"cache_control"')
    ? { prompt, cacheWrite: prompt, completion }
    : { prompt, completion }
}

/**
 * What requests cost, in USD: `--price` for every model, else each request's model in the price table of
 * `@pydantic/genai-prices` (its data ships with the package: no network), matched by the `--base-url`'s
 * provider first (`api.openai.com`: OpenAI's prices; an Azure URL: Azure's), then by the model's name
 * alone. A model the table does not know has no price: `onUnknown` hears of it once.
 */
export class PriceBook {
  readonly #fixed: Price | undefined
  readonly #apiUrl: string
  readonly #onUnknown: (model: string) => void
  readonly #unknown = new Set<string>()
  readonly #rates = new Map<string, Price | undefined>()

  constructor(fixed: Price | undefined, apiUrl: string, onUnknown: (model: string) => void = () => {}) {
    this.#fixed = fixed
    this.#apiUrl = apiUrl
    this.#onUnknown = onUnknown
  }

  /** Whether every request is priced the same (`--price`). */
  get fixed(): boolean {
    return this.#fixed !== undefined
  }

  /** The models met that have no price, in the order met. */
  get unknownModels(): string[] {
    return [...this.#unknown]
  }

  /** The cost of `tokens` on `model` (USD), or undefined when it has no price. */
  cost(tokens: Tokens, model: string | undefined): number | undefined {
    const cached = Math.min(tokens.cached ?? 0, tokens.prompt)
    const written = Math.min(tokens.cacheWrite ?? 0, tokens.prompt - cached)
    if (this.#fixed !== undefined) {
      const { input, output, cachedInput = input, cacheWrite = input } = this.#fixed
      const uncached = tokens.prompt - cached - written
      return (
        (uncached * input + cached * cachedInput + written * cacheWrite + tokens.completion * output) / 1e6
      )
    }
    if (model === undefined) return this.#missing('(no model)')
    const usage = {
      input_tokens: tokens.prompt,
      cache_read_tokens: cached,
      cache_write_tokens: written,
      output_tokens: tokens.completion,
    }
    const priced = calcPrice(usage, model, { providerApiUrl: this.#apiUrl }) ?? calcPrice(usage, model)
    return priced === null ? this.#missing(model) : priced.total_price
  }

  /**
   * USD per 1M tokens of `model` (its base tier, for estimates over many requests), or undefined when
   * it has no price.
   */
  rates(model: string | undefined): Price | undefined {
    if (this.#fixed !== undefined) return this.#fixed
    const key = model ?? ''
    if (!this.#rates.has(key)) {
      const per = (tokens: Tokens) => this.cost(tokens, model)
      const input = per({ prompt: 1e6, completion: 0 })
      const output = per({ prompt: 0, completion: 1e6 })
      const cachedInput = per({ prompt: 1e6, cached: 1e6, completion: 0 })
      const cacheWrite = per({ prompt: 1e6, cacheWrite: 1e6, completion: 0 })
      this.#rates.set(
        key,
        input === undefined || output === undefined
          ? undefined
          : { input, output, cachedInput: cachedInput ?? input, cacheWrite: cacheWrite ?? input },
      )
    }
    return this.#rates.get(key)
  }

  #missing(model: string): undefined {
    if (!this.#unknown.has(model)) {
      this.#unknown.add(model)
      this.#onUnknown(model)
    }
    return undefined
  }
}
