import { UsageError } from '../../errors'
import { type AuthFlags, authHeaders } from '../../flags/auth'
import { parseHttpUrl, parseInteger } from '../../flags/parsers'
import { type RunFlagSettings, type RunFlags, runFlagSettings } from '../../flags/run-flags'
import { type AnthropicFlags, type ProviderSettings, providerSettings } from './anthropic-flags'
import type { Endpoint } from './endpoint'
import { type LaneFlags, type LaneSettings, laneSettings } from './lane-flags'

/** USD per 1M tokens. */
export interface Price {
  input: number
  output: number
  /** Prompt tokens read from the cache; `input` when not given. */
  cachedInput?: number
  /** Prompt tokens written to the cache (Anthropic's cache writes); `input` when not given. */
  cacheWrite?: number
}

/** The flags of `boundkit llm`, as commander parsed them. */
export interface LlmFlags extends RunFlags, AuthFlags, LaneFlags, AnthropicFlags {
  baseUrl: string
  rpm?: number
  tpm?: number
  concurrency: number | 'auto'
  template?: string
  model?: string
  key?: string
  jsonAnswer?: boolean
  price?: Price
  maxCost?: number
  dryRun?: boolean
  maxAttempts: number
  /** Timeout of one attempt, ms. */
  timeout: number
  /** `--endpoints <file>`: several deployments, each with its own URL, key and limits. */
  endpoints?: string
}

/** The llm options, checked. */
export interface LlmSettings extends RunFlagSettings, LaneSettings, ProviderSettings {
  input: string
  baseUrl: string
  rpm: number | undefined
  tpm: number | undefined
  concurrency: number | 'auto'
  /** The template file (format 2), with `model`; undefined: the input is a Batch API request file. */
  template: string | undefined
  model: string | undefined
  key: string | undefined
  jsonAnswer: boolean
  price: Price | undefined
  /** `--max-cost`: USD the output file may have cost at most, its earlier lines included. */
  maxCost: number | undefined
  /** `--dry-run`: read the input, send nothing, print the plan. */
  dryRun: boolean
  maxAttempts: number
  /** Timeout of one attempt, ms. */
  timeout: number
  /** Every request's headers, the API key's included: never printed. */
  headers: Record<string, string>
  /** `--endpoints`: the deployments the requests go to (`baseUrl`, `rpm` and `tpm` then hold the first's URL and their sums). */
  endpoints?: readonly Endpoint[]
}

/** What `llm --redis` refuses besides the worker's options, and why (a usage error, exit 2). */
const NOT_WITH_REDIS: Record<string, string> = {
  apiKeyEnv:
    'With --redis, the API key stays on the workers and never goes through Redis: give --api-key-env to `boundkit worker`',
  azure: "With --redis, the API key is the workers': give --azure to `boundkit worker`",
}

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1'

/** The base URL without its trailing slashes (`https://api.openai.com/v1`), its query kept. */
export function parseBaseUrl(text: string): string {
  const url = parseHttpUrl('--base-url', text)
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}${url.search}`
}

/** `--concurrency`: an integer from 1 to 10,000, or `auto` (adaptive). */
export function parseLlmConcurrency(text: string): number | 'auto' {
  return text.trim() === 'auto' ? 'auto' : parseInteger('--concurrency', text, 1, { max: 10_000 })
}

/**
 * `in=0.15,out=0.6` (and `cached=0.075`, `cache-write=0.1875`): USD per 1M input, output (and cached
 * input, and cache-written input) tokens.
 */
export function parsePrice(text: string): Price {
  const parts = Object.fromEntries(
    text.split(',').map((part) => part.split('=').map((s) => s.trim()) as [string, string]),
  )
  const amount = (value: string | undefined) =>
    value === undefined || value === '' ? Number.NaN : Number(value)
  const optional = (name: string) => (parts[name] === undefined ? undefined : amount(parts[name]))
  const input = amount(parts.in)
  const output = amount(parts.out)
  const cached = optional('cached')
  const cacheWrite = optional('cache-write')
  const known = Object.keys(parts).every((name) => ['in', 'out', 'cached', 'cache-write'].includes(name))
  const valid = (x: number | undefined) => x === undefined || x >= 0
  if (!known || !(input >= 0) || !(output >= 0) || !valid(cached) || !valid(cacheWrite)) {
    throw new UsageError(
      `Expected --price to look like in=0.15,out=0.6 or in=0.15,out=0.6,cached=0.075,cache-write=0.1875 (USD per 1M input, output, cached input and cache-written input tokens), got '${text}'`,
    )
  }
  return {
    input,
    output,
    ...(cached === undefined ? {} : { cachedInput: cached }),
    ...(cacheWrite === undefined ? {} : { cacheWrite }),
  }
}

/** `--max-cost 25` or `--max-cost 2.50`: USD, more than 0. */
export function parseMaxCost(text: string): number {
  const value = Number(text.trim().replace(/^\$/, ''))
  if (text.trim() === '' || !(value > 0) || !Number.isFinite(value)) {
    throw new UsageError(`Expected --max-cost to be an amount of USD above 0 like 25 or 2.50, got '${text}'`)
  }
  return value
}

/** The flags checked together; a bad combination is a usage error (exit 2), before any request. */
export function llmSettings(
  input: string,
  flags: LlmFlags,
  given: readonly string[] = [],
  env = process.env,
): LlmSettings {
  if ((flags.template === undefined) !== (flags.model === undefined)) {
    throw new UsageError('--template and --model go together (plain records filled into a chat request)')
  }
  if (flags.key !== undefined && flags.template === undefined) {
    throw new UsageError('--key goes with --template (a Batch API request file has its own custom_id)')
  }
  if (flags.key !== undefined && flags.key.trim() === '') {
    throw new UsageError('Expected --key to name a field, got an empty string')
  }
  const run = runFlagSettings(flags, given, NOT_WITH_REDIS)
  const provider = providerSettings(input, flags, given, env)
  return {
    ...run,
    ...provider,
    input,
    baseUrl: provider.baseUrl ?? flags.baseUrl,
    rpm: flags.rpm,
    tpm: flags.tpm,
    concurrency: flags.concurrency,
    template: flags.template,
    model: flags.model,
    key: flags.key,
    jsonAnswer: flags.jsonAnswer === true,
    price: flags.price,
    maxCost: flags.maxCost,
    dryRun: flags.dryRun === true,
    maxAttempts: flags.maxAttempts,
    timeout: flags.timeout,
    ...laneSettings(flags, { redis: run.redis, rpm: flags.rpm, tpm: flags.tpm }),
    // With --redis the producer never reads the key: the workers add their own.
    headers: { ...(run.redis ? {} : (provider.headers ?? authHeaders(flags, env))), ...run.headers },
  }
}
