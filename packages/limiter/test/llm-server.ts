/**
 * A local OpenAI-compatible chat completions server for tests and benchmarks (127.0.0.1, port 0).
 *
 * `POST /v1/chat/completions` (or `/chat/completions`) answers a `chat.completion` with `usage` after
 * `latency` ms. It enforces a per-minute request limit and a per-minute token limit the way real APIs
 * do, over shorter quantized windows: each `window` ms (10 s by default) allows `limit * window / 60 s`
 * requests and tokens, and the counts start again at each window's start. A request is charged its
 * prompt tokens (`promptTokens` below, the documented estimate) plus its `max_tokens` (x `n`) at
 * admission; when it ends, the charge is replaced by its real `usage.total_tokens`. When a budget is
 * spent it answers 429 with `retry-after` (seconds), `retry-after-ms` and an OpenAI-style error body.
 *
 * Every answer carries OpenAI's headers: `x-ratelimit-limit-requests|tokens` (the per-minute limits),
 * `x-ratelimit-remaining-requests|tokens` and `x-ratelimit-reset-requests|tokens` (what is left in
 * the window being enforced now, and when that window ends, as Go durations: `12ms`, `1s`, `1m30.5s`).
 *
 * `capacity` hides a concurrency capacity: past it, a request's latency grows with the square of the
 * overload (`latency * (inFlight / capacity) ** 2`), so throughput falls as a thrashing server's does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface LlmLimits {
  /** Requests per minute. @default Infinity */
  requestsPerMinute: number
  /** Tokens per minute. @default Infinity */
  tokensPerMinute: number
}

export interface LlmServerOptions extends Partial<LlmLimits> {
  /** Width of the quantized enforcement windows, in ms. @default 10000 */
  window?: number
  /** Time before each answer, in ms. @default 20 */
  latency?: number
  /** Hidden concurrency capacity (requests in flight). @default Infinity */
  capacity?: number
  /** The completion tokens an answer uses. @default half of the request's max_tokens (16 without one) */
  completionTokens?: (body: ChatBody) => number
}

export interface ChatBody {
  model?: string
  messages?: { role: string; content?: unknown }[]
  max_tokens?: number | null
  max_completion_tokens?: number | null
  n?: number | null
  /** `metadata.id` names the item: the log counts how often each id was served. */
  metadata?: Record<string, string> | null
}

/** What the server saw since it started (or since `resetLog()`). */
export interface LlmServerLog {
  /** Chat completion requests received, 429s included. */
  requests: number
  /** Requests answered 200. */
  served: number
  /** Requests answered 429. */
  rateLimited: number
  inFlight: number
  /** The most requests in flight at once. */
  peak: number
  /** Times each `metadata.id` was answered 200. */
  ids: Map<string, number>
  /** Sum of the `usage.total_tokens` of the 200 answers. */
  tokens: number
}

export interface LlmServer {
  /** The base URL for the openai SDK (`.../v1`). */
  baseURL: string
  log: LlmServerLog
  /** The limits now (changeable at run time through `setLimits`). */
  limits(): LlmLimits
  setLimits(limits: Partial<LlmLimits>): void
  /** What the window enforced now has admitted (tokens: charges, refunded as requests end) and its end. */
  window(): { requests: number; tokens: number; resetsInMs: number }
  /** Clears the log and starts a fresh window now (budgets full). */
  resetLog(): void
  close(): Promise<void>
}

const MINUTE = 60_000

/** The prompt tokens the server charges and reports: 2 + per message (4 + ceil(characters / 4)). */
export function promptTokens(body: ChatBody): number {
  let tokens = 2
  for (const message of body.messages ?? []) {
    const content = message.content
    const text =
      typeof content === 'string'
        ? content
        : Array.isArray(content)
          ? content
              .map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : ''))
              .join('')
          : ''
    tokens += 4 + Math.ceil(text.length / 4)
  }
  return tokens
}

/** What the server charges at admission: prompt tokens + max_tokens x n. */
export function admissionTokens(body: ChatBody): number {
  return promptTokens(body) + (body.max_tokens ?? body.max_completion_tokens ?? 0) * (body.n ?? 1)
}

/** A duration as Go prints it (`12ms`, `1s`, `6m0s`, `1m30.5s`), as OpenAI's reset headers are. */
export function goDuration(ms: number): string {
  if (ms <= 0) return '0s'
  if (ms < 1000) return `${Math.ceil(ms)}ms`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / MINUTE)
  const seconds = Number(((ms % MINUTE) / 1000).toFixed(3))
  return `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${seconds}s`
}

export async function startLlmServer(options: LlmServerOptions = {}): Promise<LlmServer> {
  const width = options.window ?? 10_000
  const latency = options.latency ?? 20
  const capacity = options.capacity ?? Number.POSITIVE_INFINITY
  const completionTokens = options.completionTokens ?? ((b) => Math.ceil((b.max_tokens ?? 32) / 2))
  const limits: LlmLimits = {
    requestsPerMinute: options.requestsPerMinute ?? Number.POSITIVE_INFINITY,
    tokensPerMinute: options.tokensPerMinute ?? Number.POSITIVE_INFINITY,
  }
  const newLog = (): LlmServerLog => {
    return { requests: 0, served: 0, rateLimited: 0, inFlight: 0, peak: 0, ids: new Map(), tokens: 0 }
  }
  let log = newLog()
  let origin = performance.now()
  // The window being enforced: its number since `origin`, and what it has admitted so far.
  const current = { index: 0, requests: 0, tokens: 0 }

  /** Rolls the window forward to now; returns the ms until it ends. */
  const roll = (): number => {
    const elapsed = performance.now() - origin
    const index = Math.floor(elapsed / width)
    if (index !== current.index) Object.assign(current, { index, requests: 0, tokens: 0 })
    return (index + 1) * width - elapsed
  }
  const perWindow = (perMinute: number) => Math.floor((perMinute * width) / MINUTE)

  /** OpenAI's headers for each finite limit: the per-minute limit, and the window enforced now. */
  const rateHeaders = (): Record<string, string> => {
    const reset = goDuration(roll())
    const headers: Record<string, string> = {}
    for (const [kind, perMinute, used] of [
      ['requests', limits.requestsPerMinute, current.requests],
      ['tokens', limits.tokensPerMinute, current.tokens],
    ] as const) {
      if (!Number.isFinite(perMinute)) continue
      headers[`x-ratelimit-limit-${kind}`] = String(perMinute)
      headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, perWindow(perMinute) - used))
      headers[`x-ratelimit-reset-${kind}`] = reset
    }
    return headers
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...rateHeaders(), ...headers })
    res.end(JSON.stringify(body))
  }
  const error = (message: string, type: string, code: string | null) => ({
    error: { message, type, param: null, code },
  })

  const complete = (res: ServerResponse, body: ChatBody) => {
    log.requests++
    const untilReset = roll()
    const charge = admissionTokens(body)
    const kind =
      current.requests + 1 > perWindow(limits.requestsPerMinute)
        ? 'requests'
        : current.tokens + charge > perWindow(limits.tokensPerMinute)
          ? 'tokens'
          : undefined
    if (kind) {
      log.rateLimited++
      const limit = kind === 'requests' ? limits.requestsPerMinute : limits.tokensPerMinute
      const message = `Rate limit reached for ${kind} per min: Limit ${limit}. Please try again in ${goDuration(untilReset)}.`
      const wait = {
        'retry-after': String(Math.ceil(untilReset / 1000)),
        'retry-after-ms': String(Math.ceil(untilReset)),
      }
      send(res, 429, error(message, kind, 'rate_limit_exceeded'), wait)
      return
    }
    const admittedIn = current.index
    current.requests++
    current.tokens += charge
    log.inFlight++
    log.peak = Math.max(log.peak, log.inFlight)
    const overload = Math.max(1, log.inFlight / capacity)
    setTimeout(
      () => {
        log.inFlight--
        const prompt = promptTokens(body)
        const completion = Math.max(0, Math.round(completionTokens(body)))
        const usage = {
          prompt_tokens: prompt,
          completion_tokens: completion,
          total_tokens: prompt + completion,
        }
        roll()
        if (current.index === admittedIn) current.tokens -= charge - usage.total_tokens
        log.served++
        log.tokens += usage.total_tokens
        const id = body.metadata?.id
        if (id !== undefined) log.ids.set(id, (log.ids.get(id) ?? 0) + 1)
        send(res, 200, {
          id: `chatcmpl-${log.served}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model ?? 'local-model',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'ok '.repeat(completion).trim() },
              finish_reason: 'stop',
            },
          ],
          usage,
        })
      },
      latency * overload ** 2,
    )
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/chat/completions')) {
      req.resume()
      send(res, 404, error(`Unknown route ${req.method} ${path}`, 'invalid_request_error', 'unknown_url'))
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      let body: ChatBody
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody
      } catch {
        send(
          res,
          400,
          error('We could not parse the JSON body of your request.', 'invalid_request_error', null),
        )
        return
      }
      complete(res, body)
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get log() {
      return log
    },
    limits: () => ({ ...limits }),
    setLimits: (next) => Object.assign(limits, next),
    window: () => {
      const resetsInMs = roll()
      return { requests: current.requests, tokens: current.tokens, resetsInMs }
    },
    resetLog: () => {
      log = { ...newLog(), inFlight: log.inFlight }
      origin = performance.now()
      Object.assign(current, { index: 0, requests: 0, tokens: 0 })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
