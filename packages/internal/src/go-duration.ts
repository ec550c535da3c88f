/** The units of a Go duration, in ms. */
const UNITS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ns: 1e-6,
}

/**
 * A Go duration (`1s`, `6m0s`, `12ms`, `1m30.5s`, `250us`, `1h2m`) in ms, or undefined. A bare number
 * is read as seconds, as some OpenAI-compatible servers send. OpenAI's `x-ratelimit-reset-*` headers
 * are such durations: the limiter and the queue's workers both read them with this one parser.
 */
export function parseGoDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const t = text.trim()
  if (t === '' || t.length > 64) return undefined
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000
  const part = /(\d+(?:\.\d+)?)(ms|us|µs|μs|ns|h|m|s)/y
  let ms = 0
  let at = 0
  while (at < t.length) {
    part.lastIndex = at
    const match = part.exec(t)
    if (!match) return undefined
    ms += Number(match[1]) * UNITS[match[2]!]!
    at = part.lastIndex
  }
  return Number.isFinite(ms) ? ms : undefined
}
