/**
 * Reading the server's rate-limit headers: one parser per vendor family (OpenAI's `x-ratelimit-*`,
 * Anthropic's `anthropic-ratelimit-*`) and Retry-After (`retry-after-ms` before `retry-after`).
 * Headers come as a fetch `Headers` (or anything with `get`) or a plain record. Values that are
 * missing, malformed, negative, in the past or absurd are dropped, never thrown.
 */
import { parseGoDuration } from '@boundkit/internal'

/** A fetch `Headers`, anything with `get(name)`, or a plain record (Node's `IncomingHttpHeaders`). */
export type HeadersLike =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>

/** What one header family says of one budget, e.g. the tokens. */
export interface RateInfo {
  /** 'requests', 'tokens', 'input-tokens' or 'output-tokens'. */
  kind: string
  /** The limit the server announces (per minute for both families), when given. */
  limit: number | undefined
  /** What remains now. */
  remaining: number
  /** Until the budget is full again, in ms (> 0). */
  resetMs: number
}

/** Which families are read (`false` is handled by the caller). */
export type HeaderFamilies = 'auto' | 'openai' | 'anthropic'

type Bag = Record<string, unknown>

/** The value of header `name` (lower case), or undefined; throws only if a `get` throws. */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined
  const h = headers as { get?: unknown } & Bag
  if (typeof h.get === 'function') {
    const value = (h.get as (n: string) => unknown).call(headers, name)
    return typeof value === 'string' ? value : undefined
  }
  if (Object.hasOwn(h, name)) return plain(h[name])
  for (const key of Object.keys(h)) if (key.toLowerCase() === name) return plain(h[key])
  return undefined
}

function plain(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
}

/** A plain non-negative decimal count (`"1500"`, `"0"`), or undefined. */
function count(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const t = text.trim()
  if (!/^\d{1,15}(\.\d+)?$/.test(t)) return undefined
  return Number(t)
}

/** An RFC 3339 time (Anthropic's resets) as ms from `now`, or undefined. */
function untilTime(text: string | undefined, now: number): number | undefined {
  if (text === undefined || !/^\d{4}-\d\d-\d\dT/.test(text.trim())) return undefined
  const at = Date.parse(text.trim())
  return Number.isNaN(at) ? undefined : at - now
}

function info(
  kind: string,
  limit: string | undefined,
  remaining: string | undefined,
  resetMs: number | undefined,
) {
  const left = count(remaining)
  const most = count(limit)
  if (left === undefined || resetMs === undefined || !(resetMs > 0)) return undefined
  if (most !== undefined && left > most) return undefined
  return { kind, limit: most, remaining: left, resetMs }
}

/** OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets are Go durations). */
export function openaiRateInfo(headers: unknown): RateInfo[] {
  const found: RateInfo[] = []
  for (const kind of ['requests', 'tokens']) {
    const read = (what: string) => headerValue(headers, `x-ratelimit-${what}-${kind}`)
    const entry = info(kind, read('limit'), read('remaining'), parseGoDuration(read('reset')))
    if (entry) found.push(entry)
  }
  return found
}

/** Anthropic's `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`. */
export function anthropicRateInfo(headers: unknown, now: number): RateInfo[] {
  const found: RateInfo[] = []
  for (const kind of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
    const read = (what: string) => headerValue(headers, `anthropic-ratelimit-${kind}-${what}`)
    const entry = info(kind, read('limit'), read('remaining'), untilTime(read('reset'), now))
    if (entry) found.push(entry)
  }
  return found
}

/** The families `families` selects, read from `headers`. */
export function rateInfo(headers: unknown, families: HeaderFamilies, now: number): RateInfo[] {
  if (families === 'openai') return openaiRateInfo(headers)
  if (families === 'anthropic') return anthropicRateInfo(headers, now)
  const openai = openaiRateInfo(headers)
  const anthropic = anthropicRateInfo(headers, now)
  return anthropic.length === 0 ? openai : openai.concat(anthropic)
}

/**
 * Milliseconds a Retry-After asks for: `retry-after-ms` first (a number of ms), then `retry-after`
 * (delay seconds or an HTTP date compared with `now`, never negative). undefined when absent or malformed.
 */
export function retryAfterHeader(headers: unknown, now: number): number | undefined {
  const ms = count(headerValue(headers, 'retry-after-ms'))
  if (ms !== undefined) return ms
  return parseRetryAfter(headerValue(headers, 'retry-after'), now)
}

/**
 * Parses a Retry-After value (delay seconds, or an HTTP date compared with `now`) into milliseconds
 * to wait, never negative. `undefined` when the value is missing or malformed.
 */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  if (text === '') return undefined
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}
