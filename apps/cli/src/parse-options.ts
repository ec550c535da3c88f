import { UsageError } from './errors'

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

/** `--header 'Authorization: Bearer x'` into a name and a value. */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':')
  const name = colon === -1 ? '' : text.slice(0, colon).trim()
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(`Expected --header to look like 'Name: value', got '${text}'`)
  }
  return [name, text.slice(colon + 1).trim()]
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
  if (!match || !(value > 0)) {
    throw new UsageError(`Expected ${name} to be a duration like 500, 500ms, 2s or 1min, got '${text}'`)
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
