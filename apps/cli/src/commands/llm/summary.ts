import type { Usage } from '@boundkit/internal'
import type { RequestStats } from '../../run/executor'
import type { RequestCounts } from '../../run/summary'
import { formatMs } from '../../terminal'
import type { LlmSettings } from './settings'

/** What `boundkit llm --json` prints beside the batch summary: its request counts, and these. */
export interface LlmSummaryFields extends RequestCounts {
  /** Tokens of the answers written (from their `usage`). */
  tokens: { prompt: number; completion: number; total: number }
  /** Answers whose `usage` held a count that is not a token count (counted as 0 tokens). */
  usageIgnored: number
  /** USD, with `--price`; null without. */
  costUsd: number | null
  /** Requests answered per second, over the wall time. */
  requestsPerSecond: number
  /** Tokens per minute, over the wall time. */
  tokensPerMinute: number
  /** The limits the run was given (per minute), null when not. */
  limits: { rpm: number | null; tpm: number | null }
  /** The concurrency limit the run ended with (the adaptive one with `--concurrency auto`); 0 with `--redis`. */
  concurrency: number
}

export function llmSummary(
  settings: LlmSettings,
  tokens: Usage,
  stats: RequestStats,
  answered: number,
  ms: number,
  usageIgnored: number,
): LlmSummaryFields {
  const price = settings.price
  const { prompt, completion, total } = tokens
  const { concurrency, ...counts } = stats
  return {
    ...counts,
    tokens: { prompt, completion, total },
    usageIgnored,
    costUsd:
      price === undefined
        ? null
        : Math.round((tokens.prompt * price.input + tokens.completion * price.output) * 1e2) / 1e8,
    requestsPerSecond: ms > 0 ? Math.round((answered * 1e5) / ms) / 100 : 0,
    tokensPerMinute: ms > 0 ? Math.round((tokens.total * 60_000) / ms) : 0,
    limits: { rpm: settings.rpm ?? null, tpm: settings.tpm ?? null },
    concurrency,
  }
}

const of = (limit: number | null, scale = 1) =>
  limit === null ? '' : ` (limit ${Math.round(limit * scale * 100) / 100})`

/** 0 with --redis: the workers' concurrency, not this process's. */
const concurrencyOf = (n: number) =>
  n > 0 ? `; concurrency settled at ${n}` : '; requests made by the workers'

/** The summary's llm lines for stderr. */
export function llmDetails(s: LlmSummaryFields, ms: number): string[] {
  const { prompt, completion, total } = s.tokens
  const lines = [
    `tokens: ${prompt} prompt + ${completion} completion = ${total}${s.costUsd === null ? '' : `, cost $${s.costUsd.toFixed(4)}`}`,
    `wall ${formatMs(ms)}: ${s.requestsPerSecond} requests/s${of(s.limits.rpm, 1 / 60)}, ${s.tokensPerMinute} tokens/min${of(s.limits.tpm)}${concurrencyOf(s.concurrency)}`,
  ]
  if (s.usageIgnored > 0) {
    lines.push(
      `usage ignored: ${s.usageIgnored} answers gave token counts that are not counts (counted as 0)`,
    )
  }
  return lines
}
