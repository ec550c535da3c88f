import { Fifo, usageOf } from '@boundkit/internal'
import type { PriceBook } from './prices'

/** Tokens and their cost over some answers. */
export interface Spend {
  answers: number
  prompt: number
  /** Of `prompt`, read from the prompt cache. */
  cached: number
  completion: number
  total: number
  /** USD of the answers whose model has a price (`unpriced` answers are left out). */
  costUsd: number
  /** Answers whose model has no price (neither `--price` nor the price table). */
  unpriced: number
  /** Answers whose usage held a count that is not a token count (counted as 0). */
  usageIgnored: number
}

const empty = (): Spend => ({
  answers: 0,
  prompt: 0,
  cached: 0,
  completion: 0,
  total: 0,
  costUsd: 0,
  unpriced: 0,
  usageIgnored: 0,
})

/** USD spent, null when answers came and none had a price. */
export function costOf(spend: Spend): number | null {
  return spend.answers > 0 && spend.unpriced === spend.answers ? null : spend.costUsd
}

/** The model an answer names (what served it), else the one asked for. */
function modelOf(body: unknown, asked: string | undefined): string | undefined {
  const model = (body as { model?: unknown } | null)?.model
  return typeof model === 'string' && model !== '' ? model : asked
}

/**
 * What the answers cost: this run's, and those the output file held before it (a resumed run's first
 * part), from each answer's `usage` at its model's price. An answer that carries a usage that is not
 * a token count is counted as 0 tokens and reported once through `onIgnored`.
 */
export class Ledger {
  readonly run = empty()
  readonly before = empty()
  readonly #prices: PriceBook
  readonly #onIgnored: (ignored: string) => void
  /** This run's answers of the last minute: when each came (ms) and its tokens. */
  readonly #minute = new Fifo<{ at: number; tokens: number }>()
  #minuteTokens = 0
  #peakPerMinute = 0

  constructor(prices: PriceBook, onIgnored: (ignored: string) => void = () => {}) {
    this.#prices = prices
    this.#onIgnored = onIgnored
  }

  /**
   * An answer this run received at `now` (ms; `asked`: the model the request named; `share`: of the
   * price, 0.5 through the Batch API).
   */
  add(body: unknown, asked: string | undefined, now = performance.now(), share = 1): void {
    const before = this.run.total
    this.#tally(this.run, body, asked, share)
    this.#minute.push({ at: now, tokens: this.run.total - before })
    this.#minuteTokens += this.run.total - before
    this.perMinute(now)
    this.#peakPerMinute = Math.max(this.#peakPerMinute, this.#minuteTokens)
  }

  /** Tokens of this run's answers received in the last 60 s before `now`. */
  perMinute(now = performance.now()): number {
    for (
      let first = this.#minute.peek();
      first !== undefined && first.at <= now - 60_000;
      first = this.#minute.peek()
    ) {
      this.#minuteTokens -= first.tokens
      this.#minute.shift()
    }
    return this.#minuteTokens
  }

  /**
   * The most tokens this run's answers counted in any 60 s, as a per-minute limit sees them: measured,
   * never a short burst scaled up to a minute (a run shorter than a minute gives all its tokens).
   */
  get peakPerMinute(): number {
    return this.#peakPerMinute
  }

  /** A line the output file already held: its answer counts in the file's totals. */
  addPrior(line: Record<string, unknown>): void {
    const body = (line.response as { body?: unknown } | null | undefined)?.body
    if (body !== undefined && (body as { usage?: unknown } | null)?.usage !== undefined)
      this.#tally(this.before, body, undefined)
  }

  /** The output file's totals: the lines before this run and this run's answers. */
  get file(): Spend {
    const total = empty()
    for (const part of [this.before, this.run]) {
      for (const key of Object.keys(total) as (keyof Spend)[]) total[key] += part[key]
    }
    return total
  }

  /**
   * What an answer cost: its usage at the price of the model it names, else of the model asked for;
   * undefined when neither has a price.
   */
  answerCost(body: unknown, asked: string | undefined, share = 1): number | undefined {
    const usage = usageOf(body)
    const served = modelOf(body, asked)
    const cost =
      this.#prices.cost(usage, served) ?? (served !== asked ? this.#prices.cost(usage, asked) : undefined)
    return cost === undefined ? undefined : cost * share
  }

  #tally(spend: Spend, body: unknown, asked: string | undefined, share = 1): void {
    const usage = usageOf(body)
    if (usage.ignored !== undefined && spend.usageIgnored++ === 0 && spend === this.run)
      this.#onIgnored(usage.ignored)
    spend.answers++
    spend.prompt += usage.prompt
    spend.cached += usage.cached ?? 0
    spend.completion += usage.completion
    spend.total += usage.total
    const cost = this.answerCost(body, asked, share)
    if (cost === undefined) spend.unpriced++
    else spend.costUsd += cost
  }
}
