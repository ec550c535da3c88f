type Bag = Record<string, unknown>

/**
 * The HTTP status a failure carries, if any: `status`, `statusCode` or `response.status` (HTTP
 * clients, the openai SDK's `APIError`, a fetch `Response`), an integer. A getter that throws
 * throws here (the caller decides what that means).
 */
export function httpStatusOf(failure: unknown): number | undefined {
  if (typeof failure !== 'object' || failure === null) return undefined
  const f = failure as Bag
  for (const value of [f.status, f.statusCode, (f.response as Bag | undefined)?.status]) {
    if (typeof value === 'number' && Number.isInteger(value)) return value
  }
  return undefined
}
