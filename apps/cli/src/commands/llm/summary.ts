import type { RequestStats } from '../../run/executor'
import type { RequestCounts } from '../../run/summary'
import { formatMs, formatUsd } from '../../terminal'
import { costOf, type Ledger, type Spend } from './ledger'
import type { LlmSettings } from './settings'

/** Tokens and cost over some answers, as the summary gives them. */
export interface SpendSummary {
  answers: number
  tokens: { prompt: number; cached: number; completion: number; total: number }
  /** USD of the answers whose model has a price; null when none has one. */
  costUsd: number | null
  /** Answers left out of `costUsd`: their model has no price. */
  unpriced: number
}

/** What `boundkit llm --json` prints beside the batch summary: its request counts, and these. */
export interface LlmSummaryFields extends RequestCounts {
  /** This run's answers (count). */
  answers: number
  /** This run's answers: their tokens (from their `usage`). */
  tokens: { prompt: number; cached: number; completion: number; total: number }
  /** USD of this run's answers, each at its model's price (`--price`, else the price table); null when none has a price. */
  costUsd: number | null
  /** This run's answers left out of `costUsd` (their model has no price). */
  unpriced: number
  /** The whole output file (the lines earlier runs wrote, and this run's): its answers, tokens and cost. */
  file: SpendSummary
  /** `--max-cost`, null when not given. */
  maxCostUsd: number | null
  /** Answers whose `usage` held a count that is not a token count (counted as 0 tokens). */
  usageIgnored: number
  /** Requests answered per second, over the wall time. */
  requestsPerSecond: number
  /** The most tokens the answers counted in any 60 s of the run (a run under a minute: all of them). */
  tokensPerMinute: number
  /** The limits the run was given (per minute), null when not; Anthropic runs add `itpm` and `otpm`. */
  limits: { rpm: number | null; tpm: number | null; itpm?: number | null; otpm?: number | null }
  /** The concurrency limit the run ended with (the adaptive one with `--concurrency auto`); 0 with `--redis`. */
  concurrency: number
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6

function spendOf(spend: Spend): SpendSummary {
  const { answers, prompt, cached, completion, total, costUsd, unpriced } = spend
  return {
    answers,
    tokens: { prompt, cached, completion, total },
    costUsd: costOf(spend) === null ? null : round(costUsd),
    unpriced,
  }
}

export function llmSummary(
  settings: LlmSettings,
  ledger: Ledger,
  stats: RequestStats,
  answered: number,
  ms: number,
): LlmSummaryFields {
  const { concurrency, ...counts } = stats
  const run = spendOf(ledger.run)
  return {
    ...counts,
    answers: run.answers,
    tokens: run.tokens,
    costUsd: run.costUsd,
    unpriced: run.unpriced,
    file: spendOf(ledger.file),
    maxCostUsd: settings.maxCost ?? null,
    usageIgnored: ledger.run.usageIgnored,
    requestsPerSecond: ms > 0 ? Math.round((answered * 1e5) / ms) / 100 : 0,
    tokensPerMinute: ledger.peakPerMinute,
    limits: {
      rpm: settings.rpm ?? null,
      tpm: settings.tpm ?? null,
      ...(settings.provider === 'anthropic'
        ? { itpm: settings.itpm ?? null, otpm: settings.otpm ?? null }
        : {}),
    },
    concurrency,
  }
}

const of = (limit: number | null, scale = 1) =>
  limit === null ? '' : ` (limit ${Math.round(limit * scale * 100) / 100})`

/** 0 with --redis: the workers' concurrency, not this process's. */
const concurrencyOf = (n: number) =>
  n > 0 ? `; concurrency settled at ${n}` : '; requests made by the workers'

const usd = (n: number | null) => (n === null ? 'no price' : formatUsd(n))

function costText(spend: { costUsd: number | null; unpriced: number }): string {
  const left =
    spend.unpriced > 0 && spend.costUsd !== null
      ? ` (${spend.unpriced} answers without a price left out)`
      : ''
  return `${usd(spend.costUsd)}${left}`
}

/** The summary's llm lines for stderr. */
export function llmDetails(s: LlmSummaryFields, ms: number): string[] {
  const { prompt, cached, completion, total } = s.tokens
  const fromCache = cached > 0 ? ` (${cached} from the cache)` : ''
  const cap = s.maxCostUsd === null ? '' : ` of --max-cost ${usd(s.maxCostUsd)}`
  const lines = [
    `tokens: ${prompt} prompt${fromCache} + ${completion} completion = ${total}, cost ${costText(s)}`,
    `wall ${formatMs(ms)}: ${s.requestsPerSecond} requests/s${of(s.limits.rpm, 1 / 60)}, ${s.tokensPerMinute} tokens in the busiest minute${of(s.limits.tpm)}${concurrencyOf(s.concurrency)}`,
  ]
  // A resumed run: the output also holds earlier runs' answers, which count against --max-cost too.
  if (s.file.answers > s.answers) {
    lines.push(
      `the whole output: ${s.file.answers} answers, ${s.file.tokens.total} tokens, cost ${costText(s.file)}${cap}`,
    )
  } else if (cap !== '') {
    lines.push(`cost ${costText(s.file)}${cap}`)
  }
  for (const e of s.endpoints ?? []) {
    const drains = e.drains > 0 ? `; drained ${e.drains} time${e.drains === 1 ? '' : 's'}` : ''
    const out = e.takenOut.map((o) => `${o.model === null ? 'every model' : o.model} (${o.status})`)
    const refused = e.refused > 0 ? `; refused ${e.refused}, taken out for ${out.join(', ')}` : ''
    lines.push(
      `endpoint ${e.name}: ${e.requests} requests, ${e.tokens} tokens, 429s: ${e.rateLimited}, cost ${usd(e.costUsd)}${drains}${refused}`,
    )
  }
  if (s.usageIgnored > 0) {
    lines.push(
      `usage ignored: ${s.usageIgnored} answers gave token counts that are not counts (counted as 0)`,
    )
  }
  return lines
}
