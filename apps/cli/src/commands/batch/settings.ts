import { UsageError } from '../../errors'
import {
  parseBytes,
  parseDuration,
  parseHeader,
  parseHttpUrl,
  parseInteger,
  parseRate,
  parseResume,
} from '../../flags/parsers'
import { parseRedisOptions, type RedisSettings } from '../../queue/settings'
import { type LiveSettings, parseLiveOptions } from '../../run/live'

/** The flags `batch` and `llm` share (the runner's), as typed on the command line. */
export interface RunCliOptions {
  out: string
  concurrency: string
  timeout: string
  maxResponseBytes: string
  header?: string[]
  key?: string
  resume?: boolean
  retryFailed?: boolean
  skipBad?: boolean
  json?: boolean
  redis?: string
  queue?: string
  dashboard?: string | boolean
  dashboardHost?: string
  report?: string
  /** The options given on the command line, not defaulted (commander's names). */
  given?: string[]
}

/** The options commander hands to `batch`, as typed on the command line. */
export interface BatchCliOptions extends RunCliOptions {
  url: string
  rate?: string
  retries: string
}

/** The batch options, checked. */
export interface BatchSettings {
  input: string
  url: string
  out: string
  concurrency: number
  rate: { limit: number; interval: number } | undefined
  retries: number
  /** Timeout of one attempt, ms. */
  timeout: number
  /** The largest response body read, bytes; past it the record fails with `ERR_RESPONSE_TOO_LARGE`. */
  maxResponseBytes: number
  headers: Record<string, string>
  /** The `--key` field; without it a record's key is its line number. */
  key: string | undefined
  resume: boolean
  /** With `resume`: send again the records whose newest line in the output is a failure. */
  retryFailed: boolean
  skipBad: boolean
  json: boolean
  /** With `--redis`: workers make the requests, this process enqueues them and writes the output. */
  redis: RedisSettings | undefined
  live: LiveSettings
}

/** `--max-response-bytes` default: 32 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = '32MiB'
/** The highest `--max-response-bytes`: a body is held as one string, and V8 strings stop near 512 MiB. */
const MAX_RESPONSE_BYTES = 256 * 2 ** 20

/** The options checked and converted; a bad one is a usage error (exit 2), before any request. */
export function parseBatchOptions(input: string, o: BatchCliOptions): BatchSettings {
  if (o.key !== undefined && o.key.trim() === '')
    throw new UsageError('Expected --key to name a field, got an empty string')
  const redis = parseRedisOptions(o)
  return {
    input,
    url: parseHttpUrl('--url', o.url).href,
    out: o.out,
    concurrency: parseInteger('--concurrency', o.concurrency, 1, { max: 10_000 }),
    rate: o.rate === undefined ? undefined : parseRate(o.rate),
    retries: parseInteger('--retries', o.retries, 0, { max: 100 }),
    timeout: parseDuration('--timeout', o.timeout),
    maxResponseBytes: parseBytes(
      '--max-response-bytes',
      o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      1,
      MAX_RESPONSE_BYTES,
    ),
    headers: Object.fromEntries((o.header ?? []).map(parseHeader)),
    key: o.key,
    ...parseResume(o),
    skipBad: o.skipBad === true,
    json: o.json === true,
    redis,
    live: parseLiveOptions(o),
  }
}
