/**
 * The openai-cookbook's parallel processor (examples/api_request_parallel_processor.py), its
 * algorithm written in TypeScript for the benchmark from its description:
 * - a request bucket and a token bucket, each starting full at the per-minute limit and refilled
 *   continuously at the per-minute rate, capped at the limit;
 * - a loop that takes the next request (retries first), refills the buckets, and sends the request
 *   when both buckets hold enough (1 request, its estimated tokens), taking them out; the estimate
 *   (prompt tokens + max_tokens x n) is made before sending and never reconciled with `usage`;
 * - the loop sleeps 1 ms per turn, and after any rate-limit error (an error whose message contains
 *   "Rate limit") it pauses for 15 s from that error;
 * - a failed request goes to the retry queue while it has attempts left (5 attempts).
 */
export interface CookbookOptions<T, R> {
  maxRequestsPerMinute: number
  maxTokensPerMinute: number
  /** The tokens a request is estimated to consume before it is sent. */
  tokens: (request: T) => number
  call: (request: T) => Promise<R>
  /** @default 5 */
  maxAttempts?: number
  /** Pause after a rate-limit error, in ms. @default 15000 */
  pauseAfterRateLimit?: number
  /** Sleep per loop turn, in ms. @default 1 */
  loopSleep?: number
}

export interface CookbookResult<R> {
  /** The value per request, undefined when it failed all its attempts. */
  results: (R | undefined)[]
  rateLimitErrors: number
  failed: number
}

interface Task<T> {
  index: number
  request: T
  tokens: number
  attemptsLeft: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function cookbookProcessor<T, R>(
  requests: readonly T[],
  options: CookbookOptions<T, R>,
): Promise<CookbookResult<R>> {
  const { maxRequestsPerMinute: rpm, maxTokensPerMinute: tpm } = options
  const pause = options.pauseAfterRateLimit ?? 15_000
  const loopSleep = options.loopSleep ?? 1
  const results: (R | undefined)[] = new Array(requests.length).fill(undefined)
  const retries: Task<T>[] = []
  let read = 0
  let inProgress = 0
  let rateLimitErrors = 0
  let failed = 0
  let lastRateLimitError = Number.NEGATIVE_INFINITY
  let availableRequests = rpm
  let availableTokens = tpm
  let lastUpdate = performance.now()
  let next: Task<T> | undefined

  const send = (task: Task<T>) => {
    options.call(task.request).then(
      (value) => {
        results[task.index] = value
        inProgress--
      },
      (error: unknown) => {
        if (String((error as { message?: unknown })?.message).includes('Rate limit')) {
          lastRateLimitError = performance.now()
          rateLimitErrors++
        }
        if (task.attemptsLeft > 0) retries.push(task)
        else {
          failed++
          inProgress--
        }
      },
    )
  }

  for (;;) {
    if (next === undefined) {
      if (retries.length > 0) next = retries.shift()
      else if (read < requests.length) {
        const request = requests[read]!
        next = {
          index: read++,
          request,
          tokens: options.tokens(request),
          attemptsLeft: options.maxAttempts ?? 5,
        }
        inProgress++
      }
    }
    const now = performance.now()
    const elapsed = now - lastUpdate
    availableRequests = Math.min(availableRequests + (rpm * elapsed) / 60_000, rpm)
    availableTokens = Math.min(availableTokens + (tpm * elapsed) / 60_000, tpm)
    lastUpdate = now
    if (next !== undefined && availableRequests >= 1 && availableTokens >= next.tokens) {
      availableRequests -= 1
      availableTokens -= next.tokens
      next.attemptsLeft--
      send(next)
      next = undefined
    }
    if (inProgress === 0) break
    await sleep(loopSleep)
    const sinceRateLimit = performance.now() - lastRateLimitError
    if (sinceRateLimit < pause) await sleep(pause - sinceRateLimit)
  }
  return { results, rateLimitErrors, failed }
}
