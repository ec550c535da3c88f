import { UsageError } from '../../errors'
import {
  parseBytes,
  parseDuration,
  parseHeader,
  parseHttpUrl,
  parseInteger,
  parseResume,
} from '../../flags/parsers'
import { parseRedisOptions, type RedisSettings } from '../../queue/settings'
import { type LiveSettings, parseLiveOptions } from '../../run/live'
import type { RunCliOptions } from '../batch/settings'

/** The options commander hands to `llm`, as typed on the command line. */
export interface LlmCliOptions extends RunCliOptions {
  baseUrl: string
  rpm?: string
  tpm?: string
  template?: string
  model?: string
  jsonAnswer?: boolean
  price?: string
  maxAttempts: string
  apiKeyEnv?: string
  azure?: boolean
}

/** USD per 1M tokens. */
export interface Price {
  input: number
  output: number
}

/** The llm options, checked. */
export interface LlmSettings {
  input: string
  out: string
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
  maxAttempts: number
  /** Timeout of one attempt, ms. */
  timeout: number
  maxResponseBytes: number
  /** Every request's headers, the API key's included: never printed. */
  headers: Record<string, string>
  resume: boolean
  /** With `resume`: send again the requests whose newest line in the output is a failure. */
  retryFailed: boolean
  skipBad: boolean
  json: boolean
  /** With `--redis`: workers make the requests (with their own API key), this process enqueues and writes. */
  redis: RedisSettings | undefined
  live: LiveSettings
}

/** What `llm --redis` refuses besides the worker's options, and why (a usage error, exit 2). */
const NOT_WITH_REDIS: Record<string, string> = {
  apiKeyEnv:
    'With --redis, the API key stays on the workers and never goes through Redis: give --api-key-env to `boundkit worker`',
  azure: "With --redis, the API key is the workers': give --azure to `boundkit worker`",
}

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1'
export const DEFAULT_API_KEY_ENV = 'OPENAI_API_KEY'

/** The base URL without its trailing slashes (`https://api.openai.com/v1`), its query kept. */
function parseBaseUrl(text: string): string {
  const url = parseHttpUrl('--base-url', text)
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}${url.search}`
}

/** `in=0.15,out=0.6`: USD per 1M input and output tokens. */
export function parsePrice(text: string): Price {
  const parts = Object.fromEntries(
    text.split(',').map((part) => part.split('=').map((s) => s.trim()) as [string, string]),
  )
  const input = Number(parts.in)
  const output = Number(parts.out)
  if (
    Object.keys(parts).length !== 2 ||
    !(input >= 0) ||
    !(output >= 0) ||
    parts.in === '' ||
    parts.out === ''
  ) {
    throw new UsageError(
      `Expected --price to look like in=0.15,out=0.6 (USD per 1M input and output tokens), got '${text}'`,
    )
  }
  return { input, output }
}

/** The API key's header from the environment; the key itself never appears in a message. */
export function authHeaders(
  o: Pick<LlmCliOptions, 'apiKeyEnv' | 'azure'>,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const name = o.apiKeyEnv ?? DEFAULT_API_KEY_ENV
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new UsageError(`Expected --api-key-env to name an environment variable, got '${name}'`)
  }
  const key = env[name]
  if (key === undefined || key === '') {
    if (o.apiKeyEnv !== undefined)
      throw new UsageError(`The environment variable ${name} (--api-key-env) is not set`)
    return {}
  }
  const header: [string, string] = o.azure === true ? ['api-key', key] : ['authorization', `Bearer ${key}`]
  try {
    new Headers([header])
  } catch {
    throw new UsageError(
      `The value of ${name} is not a valid HTTP header value (CR, LF, NUL or a character past U+00FF)`,
    )
  }
  return Object.fromEntries([header])
}

/** The options checked and converted; a bad one is a usage error (exit 2), before any request. */
export function parseLlmOptions(input: string, o: LlmCliOptions, env = process.env): LlmSettings {
  if ((o.template === undefined) !== (o.model === undefined)) {
    throw new UsageError('--template and --model go together (plain records filled into a chat request)')
  }
  if (o.key !== undefined && o.template === undefined) {
    throw new UsageError('--key goes with --template (a Batch API request file has its own custom_id)')
  }
  if (o.key !== undefined && o.key.trim() === '') {
    throw new UsageError('Expected --key to name a field, got an empty string')
  }
  const redis = parseRedisOptions(o, NOT_WITH_REDIS)
  const concurrency =
    o.concurrency.trim() === 'auto'
      ? 'auto'
      : parseInteger('--concurrency', o.concurrency, 1, { max: 10_000 })
  return {
    input,
    out: o.out,
    baseUrl: parseBaseUrl(o.baseUrl),
    rpm: o.rpm === undefined ? undefined : parseInteger('--rpm', o.rpm, 1),
    tpm: o.tpm === undefined ? undefined : parseInteger('--tpm', o.tpm, 1),
    concurrency,
    template: o.template,
    model: o.model,
    key: o.key,
    jsonAnswer: o.jsonAnswer === true,
    price: o.price === undefined ? undefined : parsePrice(o.price),
    maxAttempts: parseInteger('--max-attempts', o.maxAttempts, 1, { max: 100 }),
    timeout: parseDuration('--timeout', o.timeout),
    maxResponseBytes: parseBytes('--max-response-bytes', o.maxResponseBytes, 1, 256 * 2 ** 20),
    // With --redis the producer never reads the key: the workers add their own.
    headers: {
      ...(redis ? {} : authHeaders(o, env)),
      ...Object.fromEntries((o.header ?? []).map(parseHeader)),
    },
    ...parseResume(o),
    skipBad: o.skipBad === true,
    json: o.json === true,
    redis,
    live: parseLiveOptions(o),
  }
}
