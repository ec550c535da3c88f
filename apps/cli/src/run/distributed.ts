/**
 * The producer of `batch --redis` and `llm --redis`: each record becomes an `http` job of the queue
 * (its id made from the output file and the record's key), workers make the requests, and the jobs'
 * outcomes come back in input order for the runner's writer. `@boundkit/queue` (BullMQ, ioredis) is
 * loaded only when a run opens this executor.
 */
import { createHash } from 'node:crypto'
import { resolve } from 'node:path'
import type { Outcome } from '@boundkit/limiter'
import type {
  HttpJobData,
  HttpJobResult,
  Queue,
  QueueClusterCounts,
  QueueWorkerStatus,
} from '@boundkit/queue'
import type { RedisSettings } from '../flags/redis'
import { HttpError } from '../http'
import type { OutputStream } from '../terminal'
import type {
  Executor,
  ExecutorHooks,
  ExecutorReading,
  OpenExecutor,
  Pending,
  RequestStats,
} from './executor'
import type { RecordKey } from './input/key-sets'

/** Outcomes not yet written, at most: bounds the jobs in Redis and the reorder buffer. */
const WINDOW = 1000
/** The most the end of a run waits for its last readings of Redis (its counts, the page's state), ms. */
const READ_GRACE_MS = 5000

/** What `batch` or `llm` hands over to run its records on the queue. */
export interface DistributedRequests<A> {
  redis: RedisSettings
  /** `--resume`: an earlier run's finished jobs are kept (their outcomes are read), else removed first. */
  resume: boolean
  /** Attempts per job, the first included (BullMQ retries it, with an exponential backoff from 1 s). */
  attempts: number
  /** The cluster's rate (the queue's global rate in Redis); none removes an earlier run's. */
  rate: { max: number; duration: number } | undefined
  /** The record's request, without secrets: the workers add their own headers. */
  request(item: Pending): HttpJobData
  /** What the worker got, as the value the local request would have given. */
  answer(result: HttpJobResult): A
}

/** A job's failure, as the local request's error would read in the output line. */
function jobError(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error)
  const reason = message.replace(/^Job .*? failed after \d+ attempt\(s\): /s, '')
  const http = /^ERR_HTTP_STATUS: \S+ answered (\d{3}): (.*)$/s.exec(reason)
  if (http) {
    let body: unknown = http[2]
    try {
      body = JSON.parse(http[2] as string)
    } catch {}
    return new HttpError(Number(http[1]), new Headers(), body)
  }
  const code = /^([A-Z][A-Z0-9_]+): /.exec(reason)?.[1] ?? 'ERR_JOB_FAILED'
  return Object.assign(new Error(reason), { code })
}

/** The records of a run as jobs on the queue: workers make the requests, this process writes. */
class DistributedExecutor<A> implements Executor<A> {
  readonly #spec: DistributedRequests<A>
  readonly #queue: Queue
  readonly #atStart: QueueClusterCounts
  /** Job ids are the record's key under this output file (see `open`). */
  readonly #scope: string
  readonly #stopAdding = new AbortController()
  #requests = 0
  #outcomes = 0
  #reading: Promise<void> | undefined
  /** Whether a live page reads this run (then Redis is read once more before the queue closes). */
  #watched = false
  #lastReading = { inFlight: 0, queued: 0, rateLimited: 0, cooldowns: 0, cooldownMs: 0 }
  /** Each worker as it last published itself in Redis. */
  #statuses: QueueWorkerStatus[] = []
  readonly redactUrl: (url: string) => string

  constructor(
    spec: DistributedRequests<A>,
    queue: Queue,
    atStart: QueueClusterCounts,
    scope: string,
    redact: (url: string) => string,
  ) {
    this.#spec = spec
    this.#queue = queue
    this.#atStart = atStart
    this.#scope = scope
    this.redactUrl = redact
  }

  #jobId(key: RecordKey): string {
    return `${this.#scope}.${key}`
  }

  /**
   * Adds each item as a job (removing its earlier job first: without `--resume` every finished one,
   * with `--retry-failed` the failed one of a record sent again) and yields one outcome per item, in
   * input order. `stop()` stops adding; the iteration then throws `ERR_ABORTED`.
   */
  async *outcomes(items: AsyncIterable<Pending>, hooks: ExecutorHooks): AsyncGenerator<Outcome<A>> {
    const spec = this.#spec
    async function* admitted(): AsyncGenerator<Pending> {
      for await (const item of items) {
        // A job added is a request started, as far as --max-cost goes: refused, nothing more is added.
        if (!hooks.started(item)) return
        yield item
      }
    }
    for await (const outcome of this.#queue.distribute<Pending, HttpJobResult>(admitted(), {
      key: (item) => this.#jobId(item.key),
      job: (item) => ({ name: 'http', data: spec.request(item) }),
      replace: (item) => (!spec.resume ? 'finished' : hooks.prior(item) === 'retry' ? 'failed' : undefined),
      window: WINDOW,
      attempts: spec.attempts,
      signal: this.#stopAdding.signal,
    })) {
      // Each attempt a worker made is a request.
      const attempts = outcome.attempts ?? 0
      this.#requests += attempts
      this.#outcomes++
      yield outcome.status === 'fulfilled'
        ? { index: outcome.index, status: 'fulfilled', value: spec.answer(outcome.value), attempts }
        : { index: outcome.index, status: 'rejected', error: jobError(outcome.error), attempts }
    }
  }

  stop(how: 'now' | 'drain'): string {
    // No more items come (the runner stops handing them over): with `drain`, the jobs added still end
    // here with their outcomes. With `now`, the jobs already added stay in Redis and the workers finish
    // them: --resume reads their outcomes.
    if (how === 'drain') return 'no new jobs; waiting for the jobs added'
    this.#stopAdding.abort()
    return 'no new jobs; writing the outcomes already in'
  }

  requests(): number {
    return this.#requests
  }

  /** What the workers counted during this run (429s, pauses): the queue's counts less those at the start. */
  async #clusterCounts(): Promise<QueueClusterCounts> {
    const now = await this.#queue.clusterCounts()
    const atStart = this.#atStart
    const less = (name: keyof QueueClusterCounts) => now[name] - atStart[name]
    return {
      rateLimited: less('rateLimited'),
      cooldowns: less('cooldowns'),
      cooldownMs: less('cooldownMs'),
      tokenWaits: less('tokenWaits'),
      tokenWaitMs: less('tokenWaitMs'),
    }
  }

  /** Reads the jobs in Redis, this run's 429s and pauses, and the workers' statuses (a failed reading keeps the last). */
  #readRedis(): Promise<void> {
    return Promise.all([this.#queue.jobCounts(), this.#clusterCounts(), this.#queue.workers()])
      .then(([jobs, counts, statuses]) => {
        this.#lastReading = {
          inFlight: jobs.active,
          queued: jobs.waiting + jobs.delayed,
          rateLimited: counts.rateLimited,
          cooldowns: counts.cooldowns,
          cooldownMs: counts.cooldownMs,
        }
        this.#statuses = statuses
      })
      .catch(() => {})
      .finally(() => {
        this.#reading = undefined
      })
  }

  /**
   * The live page's reading: jobs on a worker and waiting, this run's 429s and pauses, and each
   * worker: its outcomes in this run and what it says of itself now (in flight, its concurrency, its
   * 429s, its limiter). Redis is read in the background: each call starts the next reading and
   * returns the last.
   */
  live(): ExecutorReading {
    this.#watched = true
    this.#reading ??= this.#readRedis()
    const byWorker = this.#queue.stats().byWorker
    const statuses = new Map(this.#statuses.map((status) => [status.name, status]))
    const names = [...new Set([...Object.keys(byWorker), ...statuses.keys()])]
    const workers = names.map((name) => {
      const status = statuses.get(name)
      const outcomes = byWorker[name] ?? { done: 0, failed: 0 }
      if (status === undefined) return { name, ...outcomes }
      const { running, concurrency, rateLimited, limiter } = status
      return { name, ...outcomes, live: { inFlight: running, concurrency, rateLimited, limiter } }
    })
    return { ...this.#lastReading, workers }
  }

  /**
   * The run's figures from Redis; with a live page, one last reading of Redis for its final state.
   * Redis may be down (a first Ctrl-C because it is): the readings wait at most `READ_GRACE_MS`, and
   * the queue's close its own `closeTimeout`, so that the run ends all the same.
   */
  async close(): Promise<RequestStats> {
    // The workers retried: a job's attempts past its first are its retries. Their 429s, and the
    // pauses of the whole queue (overlapping ones once, their wall time), are counted in Redis.
    const stats: RequestStats = {
      requests: this.#requests,
      retries: this.#requests - this.#outcomes,
      rateLimited: 0,
      cooldowns: 0,
      cooldownMs: 0,
      concurrency: 0,
    }
    const reading = (async () => {
      const cluster = await this.#clusterCounts()
      if (this.#watched) {
        await this.#reading
        await this.#readRedis()
      }
      return cluster
    })()
    const cluster = await atMost(reading, READ_GRACE_MS).catch(() => undefined)
    if (cluster !== undefined) {
      const { rateLimited, cooldowns, cooldownMs } = cluster
      Object.assign(stats, { rateLimited, cooldowns, cooldownMs: Math.round(cooldownMs) })
    }
    await this.#queue.close().catch(() => {})
    return stats
  }
}

/** What `promise` resolves with within `ms`, else undefined (it is left to itself). */
async function atMost<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  try {
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms)
    })
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

/** The queue of a distributed run, connected (or `ERR_REDIS_UNREACHABLE`, the password hidden). */
async function open<A>(
  spec: DistributedRequests<A>,
  out: string,
  stderr: OutputStream,
): Promise<Executor<A>> {
  const { createQueue, redactUrl } = await import('@boundkit/queue')
  const queue = createQueue({ connection: spec.redis.url, name: spec.redis.queue })
  queue.on('error', (error) => stderr.write(`Redis: ${error.message}\n`))
  let atStart: QueueClusterCounts
  try {
    await queue.setRate(spec.rate)
    atStart = await queue.clusterCounts()
  } catch (error) {
    await queue.close()
    throw error
  }
  // Job ids are the record's key under this output file: a restarted producer (--resume) finds its
  // jobs again, and another run's records with the same keys never meet them.
  const scope = createHash('sha256').update(resolve(out)).digest('hex').slice(0, 12)
  return new DistributedExecutor(spec, queue, atStart, scope, redactUrl)
}

/** A run whose records worker processes send (`--redis`): this process enqueues them and writes. */
export function distributed<A>(spec: DistributedRequests<A>): OpenExecutor<A> {
  return (out, stderr) => open(spec, out, stderr)
}
