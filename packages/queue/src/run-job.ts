/**
 * What a worker does with one job, by its name: `pool` jobs on the local pool of their file, `http`
 * jobs through the local limiter (a 429 pauses the whole queue for its `Retry-After`), other names
 * with the worker's own handlers.
 */
import { parseGoDuration, readCappedText, type Usage, usageOf } from '@boundkit/internal'
import {
  defaultRetryOn,
  type Limiter,
  type LimiterRunOptions,
  parseRetryAfter,
  retryAfterOf,
  statusOf,
} from '@boundkit/limiter'
import { createPool, type Pool } from '@boundkit/pool'
import { type Job, UnrecoverableError, Worker } from 'bullmq'
import { httpOrigin, workerFilePath } from './allow-list'
import type { PauseReason } from './cluster-counts'
import { QueueError } from './errors'
import { HTTP_JOB, type HttpJobData, type HttpJobResult, POOL_JOB, type PoolJobData } from './jobs'
import type { ResolvedWorkerOptions } from './options'
import { checkTokenCharge, type TokenCharge, type TokenWindow } from './token-window'

/** Error codes that no retry can fix: the job fails at once. */
const FINAL_CODES = new Set([
  'ERR_FILE_NOT_ALLOWED',
  'ERR_ORIGIN_NOT_ALLOWED',
  'ERR_WORKER_FILE',
  'ERR_UNKNOWN_TASK',
  'ERR_WORKER_INIT',
  'ERR_DATA_CLONE',
  'ERR_RESPONSE_TOO_LARGE',
  'ERR_COST_TOO_HIGH',
])

/** Without a usable `Retry-After`, a 429 pauses the queue this long, in ms. */
const DEFAULT_COOLDOWN_MS = 1000
/** The longest `Retry-After` a retry waits for, ms, unless `limiter.retry.maxRetryAfter` says otherwise (the limiter's default). */
const DEFAULT_MAX_RETRY_AFTER = 300_000
/** 503s with a `Retry-After` in a row that pause the whole queue, unless `limiter.cooldown.after` says otherwise (the limiter's default). */
const DEFAULT_COOLDOWN_AFTER = 3

export interface JobRunnerHooks {
  /** Pauses every worker of the queue for `ms` (at least: a pause never shortens another), and counts it. */
  pause(reason: PauseReason, ms: number): Promise<void>
  /** The queue's shared token budget (opened at the first job that needs it). */
  tokenWindow(): TokenWindow
}

export class JobRunner {
  readonly #options: ResolvedWorkerOptions
  readonly #limiter: Limiter
  readonly #hooks: JobRunnerHooks
  /** One pool per worker file, started at its first job: `init` runs once per thread, not per job. */
  readonly #pools = new Map<string, Pool>()
  /** The limiter's retry policy, if it has one, except that a 429 is never retried here: it pauses the whole queue. */
  readonly #httpRun: LimiterRunOptions
  /** Whether a failed attempt is worth another (the limiter's `retryOn`, whether or not it retries itself). */
  readonly #retryable: (failure: unknown, attempt: number) => boolean
  readonly #maxRetryAfter: number
  readonly #cooldownAfter: number
  /** 503s with a `Retry-After` since this worker's last answer that was not one. */
  #unavailableInARow = 0

  constructor(options: ResolvedWorkerOptions, limiter: Limiter, hooks: JobRunnerHooks) {
    this.#options = options
    this.#limiter = limiter
    this.#hooks = hooks
    const { retry, cooldown } = options.limiter
    const retryOn = (retry ? retry.retryOn : undefined) ?? defaultRetryOn
    this.#retryable = (failure, attempt) => retryOn(failure, attempt)
    this.#maxRetryAfter = (retry ? retry.maxRetryAfter : undefined) ?? DEFAULT_MAX_RETRY_AFTER
    this.#cooldownAfter =
      cooldown === false ? Number.POSITIVE_INFINITY : (cooldown?.after ?? DEFAULT_COOLDOWN_AFTER)
    this.#httpRun = {
      retry: retry
        ? { ...retry, retryOn: (failure, attempt) => statusOf(failure) !== 429 && retryOn(failure, attempt) }
        : false,
    }
  }

  async run(job: Job): Promise<unknown> {
    try {
      if (job.name === POOL_JOB) return await this.#pool(job.data as PoolJobData)
      if (job.name === HTTP_JOB) return await this.#http(job.data as HttpJobData, job.attemptsMade + 1)
      const handler = this.#options.handlers[job.name]
      if (handler === undefined) {
        throw new QueueError('ERR_UNKNOWN_JOB', `This worker has no handler for job name '${job.name}'`)
      }
      return await handler(job.data as never, {
        id: String(job.id),
        name: job.name,
        attemptsMade: job.attemptsMade,
      })
    } catch (error) {
      throw forBullmq(error)
    }
  }

  /** A `pool` job, on the pool of its file: only a file of `workerFiles`, anything else never loaded. */
  async #pool(data: PoolJobData): Promise<unknown> {
    if (data === null || typeof data !== 'object' || typeof data.file !== 'string') {
      throw new QueueError('ERR_UNKNOWN_JOB', 'A pool job needs data { file, task, input }')
    }
    let path: string | undefined
    try {
      path = workerFilePath(data.file)
    } catch {}
    if (path === undefined || !this.#options.workerFiles.has(path)) {
      throw new QueueError(
        'ERR_FILE_NOT_ALLOWED',
        `This worker runs only the worker files it was started with (workerFiles), not ${JSON.stringify(data.file)}`,
      )
    }
    let pool = this.#pools.get(path)
    if (pool === undefined) {
      pool = createPool({ worker: path, threads: this.#options.threads })
      this.#pools.set(path, pool)
    }
    return pool.run(data.task, data.input as never)
  }

  /** One attempt of an `http` job: one request (unless the limiter's own `retry` says more). */
  async #http(data: HttpJobData, attempt: number): Promise<HttpJobResult> {
    const maxBytes = checkHttpData(data, this.#options.maxResponseBytes)
    this.#checkOrigin(data.url)
    const tokens = data.tokens === undefined ? undefined : checkTokenCharge(data.tokens)
    const entry = tokens === undefined ? undefined : await this.#takeTokens(tokens)
    const method = data.method ?? 'GET'
    const response = await this.#fetch(data, attempt)
    if (tokens !== undefined) await this.#learnWindow(response, tokens)
    if (response.status === 429) return this.#rateLimited(response)
    const text = await readCappedText(
      response,
      maxBytes,
      () =>
        new QueueError(
          'ERR_RESPONSE_TOO_LARGE',
          `${method} answered ${response.status} with a body larger than ${maxBytes} bytes (maxResponseBytes)`,
        ),
    )
    if (!response.ok)
      return this.#failed(response, `${method} answered ${response.status}: ${text.slice(0, 200)}`, attempt)
    this.#unavailableInARow = 0
    const json = (response.headers.get('content-type') ?? '').includes('json')
    const body = json ? JSON.parse(text) : text
    if (entry !== undefined && tokens !== undefined) await this.#settle(entry, tokens, usageOf(body))
    return { status: response.status, headers: Object.fromEntries(response.headers), body }
  }

  /** Whether the job's URL may be reached (`httpOrigins`): else it fails, unsent. */
  #checkOrigin(url: string): void {
    const allowed = this.#options.httpOrigins
    if (allowed === undefined) return
    const origin = httpOrigin(url)
    if (origin === undefined || !allowed.has(origin)) {
      throw new QueueError(
        'ERR_ORIGIN_NOT_ALLOWED',
        `This worker sends requests only to the origins it was started with (httpOrigins), not to ${origin ?? JSON.stringify(url.slice(0, 200))}`,
      )
    }
  }

  /** The request through the local limiter; a failure no retry can fix (the limiter's `retryOn`) fails the job at once. */
  async #fetch(data: HttpJobData, attempt: number): Promise<Response> {
    try {
      return await this.#limiter.run(
        ({ signal }) =>
          fetch(data.url, {
            method: data.method ?? 'GET',
            headers: { ...data.headers, ...this.#options.httpHeaders },
            ...(data.body !== undefined && { body: data.body }),
            // A redirect could lead the request (and the worker's headers) out of httpOrigins.
            ...(this.#options.httpOrigins !== undefined && { redirect: 'manual' as const }),
            signal,
          }),
        this.#httpRun,
      )
    } catch (error) {
      throw this.#retryable(error, attempt) ? error : forBullmq(error, true)
    }
  }

  /**
   * A 429: the distributed cooldown. Every worker of the queue waits its `Retry-After`, and the job
   * goes back to the queue without using an attempt.
   */
  async #rateLimited(response: Response): Promise<never> {
    await response.body?.cancel()
    const ms = parseRetryAfter(response.headers.get('retry-after') ?? undefined, Date.now())
    await this.#hooks.pause('rateLimited', Math.max(1, Math.ceil(ms ?? DEFAULT_COOLDOWN_MS)))
    throw Worker.RateLimitError()
  }

  /**
   * An answer other than 2xx and 429, as one process treats it: a status the limiter does not retry
   * (a 404, a 401) fails the job at once (BullMQ's further attempts would only ask again); one it
   * retries fails this attempt, and a 503's `Retry-After` makes the next one wait at least that long
   * (`retryAfter`, read by the backoff). `cooldown.after` such 503s in a row pause the whole queue.
   */
  async #failed(response: Response, message: string, attempt: number): Promise<never> {
    if (!this.#retryable(response, attempt)) throw new UnrecoverableError(`ERR_HTTP_STATUS: ${message}`)
    const retryAfter = response.status === 503 ? retryAfterOf(response, Date.now()) : undefined
    if (retryAfter === undefined) throw new QueueError('ERR_HTTP_STATUS', message)
    if (retryAfter > this.#maxRetryAfter) {
      throw new UnrecoverableError(
        `ERR_RETRY_AFTER_TOO_LONG: ${message} (it asked to retry after ${retryAfter} ms, more than maxRetryAfter, ${this.#maxRetryAfter} ms)`,
      )
    }
    if (++this.#unavailableInARow >= this.#cooldownAfter) {
      this.#unavailableInARow = 0
      await this.#hooks.pause('unavailable', Math.max(1, Math.ceil(retryAfter)))
    }
    throw new QueueError('ERR_HTTP_STATUS', message, { retryAfter: Math.ceil(retryAfter) })
  }

  /**
   * Charges the request's estimate to the shared token budget; when it does not fit, pauses the
   * whole queue until it would (nobody's request fits before then) and puts the job back.
   */
  async #takeTokens(charge: TokenCharge): Promise<string> {
    const taken = await this.#hooks.tokenWindow().take(charge)
    if ('entry' in taken) return taken.entry
    await this.#hooks.pause('tokens', taken.waitMs)
    throw Worker.RateLimitError()
  }

  /**
   * The start's charge once answered: the `usage`, above the estimate only, or below it with `refund`;
   * without refunds but with the `completion` the request reserved, what the server charged at
   * admission: the answer's prompt tokens plus that reserve (the estimate only guessed the prompt).
   */
  async #settle(entry: string, charge: TokenCharge, usage: Usage): Promise<void> {
    const admitted = !charge.refund && charge.completion !== undefined && usage.prompt > 0
    const tokens = admitted ? Math.max(usage.total, usage.prompt + (charge.completion ?? 0)) : usage.total
    if (tokens > 0) await this.#hooks.tokenWindow().settle(entry, tokens, charge.refund || admitted)
  }

  /**
   * Tells the shared token window how long the server's token budget takes to be whole again (its
   * `x-ratelimit-reset-tokens`, on a 200 as on a 429) and what remains of it: the server's window is at
   * least that long, and long enough to hold what remains. A
   * reading lost to a Redis error costs nothing but itself: the next answer carries another.
   */
  async #learnWindow(response: Response, charge: TokenCharge): Promise<void> {
    const resetMs = parseGoDuration(response.headers.get('x-ratelimit-reset-tokens') ?? undefined)
    if (resetMs === undefined) return
    const left = response.headers.get('x-ratelimit-remaining-tokens')
    const remaining = left === null || left.trim() === '' ? undefined : Number(left)
    await this.#hooks
      .tokenWindow()
      .learn(resetMs, charge, remaining)
      .catch(() => {})
  }

  /** Closes every pool this runner started, once their tasks are done. */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()))
  }

  /** Stops every pool's threads now: their running tasks fail with the pool's `ERR_CLOSED`. */
  async destroy(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.destroy()))
  }
}

/** The `http` job's data, checked (`ERR_UNKNOWN_JOB`); returns the answer's size cap. */
function checkHttpData(data: HttpJobData, workerMax: number): number {
  if (data === null || typeof data !== 'object' || typeof data.url !== 'string') {
    throw new QueueError('ERR_UNKNOWN_JOB', 'An http job needs data { url, method?, headers?, body? }')
  }
  const maxBytes = data.maxResponseBytes ?? workerMax
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new QueueError(
      'ERR_UNKNOWN_JOB',
      `An http job's maxResponseBytes must be an integer >= 1, got ${maxBytes}`,
    )
  }
  return maxBytes
}

/**
 * BullMQ keeps only an error's message (as the job's `failedReason`), so a coded error's code goes
 * in front of it; errors no retry can fix become `UnrecoverableError` (no further attempt).
 */
function forBullmq(error: unknown, final = false): unknown {
  if (error instanceof Error && (error.name === 'RateLimitError' || error.name === 'UnrecoverableError')) {
    return error
  }
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  const text = typeof code === 'string' && !message.startsWith(code) ? `${code}: ${message}` : message
  if (final || (typeof code === 'string' && FINAL_CODES.has(code))) return new UnrecoverableError(text)
  if (error instanceof Error) {
    error.message = text
    return error
  }
  return new Error(text)
}
