import type { LlmSettings } from './settings'

/** Requests' tokens as the limits count them. */
export interface LimitTokens {
  /** Prompt tokens as the tokenizer counts them: what `--itpm` counts (Anthropic counts input tokens). */
  prompt: number
  /** Prompt tokens by the characters: what `--tpm` counts (OpenAI's documented rate-limit rule). */
  charged: number
  /** The `max_tokens` bounds: `--otpm` counts them, and `--tpm` with the prompt. */
  completion: number
}

/** Which per-minute limit binds a run. */
export type Binding = 'requests' | 'tokens' | 'input-tokens' | 'output-tokens'

type Limits = Partial<Pick<LlmSettings, 'rpm' | 'tpm' | 'itpm' | 'otpm'>>

/**
 * The least time the per-minute limits (`--rpm`, `--tpm`, `--itpm`, `--otpm`; the endpoints' summed)
 * allow for `requests` and their tokens, and which one binds.
 */
export function atTheLimits(
  settings: Limits,
  requests: number,
  tokens: LimitTokens,
): { minMs: number | null; binding: Binding | null } {
  const budgets = [
    ['requests', settings.rpm, requests],
    ['tokens', settings.tpm, tokens.charged + tokens.completion],
    ['input-tokens', settings.itpm, tokens.prompt],
    ['output-tokens', settings.otpm, tokens.completion],
  ] as const
  let least: { minMs: number; binding: Binding } | undefined
  for (const [binding, perMinute, amount] of budgets) {
    const ms = perMinute === undefined ? undefined : Math.round((amount / perMinute) * 60_000)
    if (ms !== undefined && (least === undefined || ms > least.minMs)) least = { minMs: ms, binding }
  }
  return least ?? { minMs: null, binding: null }
}

/**
 * The least time (ms) `left` requests take at the per-minute limits, each counting the average tokens
 * of those counted so far: a run's ETA is never below what the binding limit still allows.
 */
export function leastTime(settings: Limits, left: number, average: LimitTokens): number {
  const tokens = {
    prompt: left * average.prompt,
    charged: left * average.charged,
    completion: left * average.completion,
  }
  return atTheLimits(settings, left, tokens).minMs ?? 0
}
