import { redactUrl } from '@boundkit/internal'
import { UsageError } from '../errors'

const UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 }

/** `--rate 20/s`, `600/min`, `5/250ms`: at most `limit` starts in every `interval` ms. */
export function parseRate(text: string): { limit: number; interval: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d*(?:\.\d+)?)\s*(ms|s|sec|m|min|h)\s*$/.exec(text)
  const limit = match ? Number(match[1]) : Number.NaN
  const count = match?.[2] ? Number(match[2]) : 1
  if (!match || !Number.isInteger(limit) || limit < 1 || !(count > 0)) {
    throw new UsageError(
      `Expected --rate to look like N/s, N/min or N/250ms with N an integer >= 1, got '${text}'`,
    )
  }
  return { limit, interval: count * (UNITS[match[3] as string] as number) }
}

/**
 * An http or https URL option, parsed. Credentials in it (`user:password@`) are refused: fetch
 * refuses such a URL at every request, and a key belongs in a header. Messages show the URL with its
 * credentials redacted.
 */
export function parseHttpUrl(name: string, text: string): URL {
  let url: URL | undefined
  try {
    url = new URL(text)
  } catch {}
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new UsageError(`Expected ${name} to be an http or https URL, got '${redactUrl(text)}'`)
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(
      `Expected ${name} without credentials (user:password@), got '${redactUrl(text)}': send them in a header (--header 'Authorization: ...')`,
    )
  }
  return url
}

/** `--origin https://api.openai.com`: an http(s) origin, scheme, host and port only (a path would look like a restriction it is not). */
export function parseOrigin(text: string): string {
  const url = parseHttpUrl('--origin', text)
  if (url.href !== `${url.origin}/`) {
    throw new UsageError(
      `Expected --origin to be an origin (scheme://host[:port], no path), got '${redactUrl(text)}': try ${url.origin}`,
    )
  }
  return url.origin
}

/** `--header 'Authorization: Bearer x'` into a name and a value. */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':')
  const name = colon === -1 ? '' : text.slice(0, colon).trim()
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(`Expected --header to look like 'Name: value', got ${JSON.stringify(text)}`)
  }
  const value = text.slice(colon + 1).trim()
  try {
    // What fetch will refuse at every request (CR, LF, NUL, characters past U+00FF) fails here, once.
    new Headers([[name, value]])
  } catch {
    throw new UsageError(
      `Expected the value of --header ${name} to be a valid HTTP header value (no CR, LF or NUL, no character past U+00FF), got ${JSON.stringify(value)}`,
    )
  }
  return [name, value]
}

/** Repeatable options collect into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** An integer option within bounds; `Infinity` allowed when `allowInfinity`. */
export function parseInteger(
  name: string,
  text: string,
  min: number,
  options: { max?: number; allowInfinity?: boolean } = {},
): number {
  const value =
    options.allowInfinity && /^inf(inity)?$/i.test(text.trim()) ? Number.POSITIVE_INFINITY : Number(text)
  const max = options.max ?? Number.POSITIVE_INFINITY
  const ok =
    text.trim() !== '' &&
    ((Number.isInteger(value) && value >= min && value <= max) ||
      (options.allowInfinity && value === Number.POSITIVE_INFINITY))
  if (!ok) {
    const upper = Number.isFinite(max) ? ` and <= ${max}` : ''
    throw new UsageError(`Expected ${name} to be an integer >= ${min}${upper}, got '${text}'`)
  }
  return value
}

/** A duration in ms: `500`, `500ms`, `2s`, `1min`. */
export function parseDuration(name: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?\s*$/.exec(text)
  const value = match ? Number(match[1]) * (UNITS[match[2] ?? 'ms'] as number) : Number.NaN
  if (!match || !(value >= 1)) {
    throw new UsageError(
      `Expected ${name} to be a duration of at least 1 ms like 500, 500ms, 2s or 1min, got '${text}'`,
    )
  }
  return value
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 }

/** A size in bytes: `1048576`, `64KiB`, `32MiB`, `1GiB`, between `min` and `max`. */
export function parseBytes(name: string, text: string, min: number, max: number): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kib|mib|gib)?\s*$/i.exec(text)
  const value = match
    ? Math.floor(Number(match[1]) * (BYTE_UNITS[(match[2] ?? '').toLowerCase()] as number))
    : Number.NaN
  if (!match || !(value >= min && value <= max)) {
    throw new UsageError(
      `Expected ${name} to be a size in bytes like 1048576, 64KiB or 32MiB, from ${min} to ${max}, got '${text}'`,
    )
  }
  return value
}

/** A JSON value given on the command line. */
export function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new UsageError(`Expected ${name} to be JSON, got '${text}' (${(error as Error).message})`)
  }
}

/** `--resume` and `--retry-failed`, which goes only with it (`ERR_RETRY_FAILED_WITHOUT_RESUME`, exit 2). */
export function parseResume(o: { resume?: boolean; retryFailed?: boolean }): {
  resume: boolean
  retryFailed: boolean
} {
  const resume = o.resume === true
  const retryFailed = o.retryFailed === true
  if (retryFailed && !resume) {
    throw new UsageError(
      '--retry-failed goes with --resume: it sends again the records whose line in the existing --out is a failure',
      'ERR_RETRY_FAILED_WITHOUT_RESUME',
    )
  }
  return { resume, retryFailed }
}
