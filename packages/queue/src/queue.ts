import { asyncDispose, Emitter } from '@boundkit/internal'
import { Queue as BullQueue, QueueEvents as BullQueueEvents } from 'bullmq'
import type { Redis } from 'ioredis'
import { countsKey, readCounts } from './cluster-counts'
import { bullConnection, checkRedis, closeClient, openClient, scrubError } from './connection'
import { distribution, type QueueOutcome } from './distribute'
import { invalidOption, QueueError } from './errors'
import { QUEUE_EVENTS, type QueueEvents } from './events'
import { removeIfFinished } from './finished'
import { jobIdOf } from './job-id'
import {
  type QueueDistributeOptions,
  type QueueOptions,
  type QueueRate,
  type ResolvedQueueOptions,
  resolveDistributeOptions,
  resolveQueueOptions,
  resolveRate,
} from './options'
import type { QueueClusterCounts, QueueJobCounts, QueueStats } from './stats'
import { within } from './within'
import { type QueueWorkerStatus, readStatuses } from './worker-status'

/**
 * The producer side of a distributed run: adds items as BullMQ jobs of one queue and gives their
 * outcomes back. Create one with `createQueue`; workers (`startWorker`) on any machine run the jobs.
 */
export class Queue implements AsyncDisposable {
  readonly #options: ResolvedQueueOptions
  readonly #emitter = new Emitter<QueueEvents>(QUEUE_EVENTS, invalidOption)
  readonly #stats: QueueStats = {
    added: 0,
    queued: 0,
    done: 0,
    failed: 0,
    readded: 0,
    // No prototype: a worker's name comes from Redis, and `__proto__` must stay a plain key.
    byWorker: Object.create(null),
  }
  readonly #finished = new Set<(jobId: string) => void>()
  #bull: { queue: BullQueue; events: BullQueueEvents } | undefined
  /** A connection of this producer's own, opened at its first use (`#redis`). */
  #client: Redis | undefined
  #ready: Promise<{ queue: BullQueue; events: BullQueueEvents }> | undefined
  #closing: Promise<void> | undefined
  /** Aborted by `close()`: the distributions under way stop waiting on Redis. */
  readonly #closed = new AbortController()

  constructor(options: QueueOptions) {
    this.#options = resolveQueueOptions(options)
  }

  /**
   * Connects on first use: checks Redis answers, then opens BullMQ's queue and event stream. Every
   * method goes through it, so every one fails with `ERR_CLOSED` once `close()` was called.
   */
  #connect(): Promise<{ queue: BullQueue; events: BullQueueEvents }> {
    if (this.#closing) return Promise.reject(new QueueError('ERR_CLOSED', 'The queue is closed'))
    this.#ready ??= (async () => {
      const { connection, name, prefix, connectTimeout } = this.#options
      await checkRedis(connection, connectTimeout)
      const options = { connection: bullConnection(connection), prefix }
      const queue = new BullQueue(name, options)
      const events = new BullQueueEvents(name, options)
      const onError = (error: Error) => this.#emitter.emit('error', scrubError(error, connection))
      queue.on('error', onError)
      events.on('error', onError)
      const finished = ({ jobId }: { jobId: string }) => {
        for (const listener of this.#finished) listener(jobId)
      }
      events.on('completed', finished)
      events.on('failed', finished)
      this.#bull = { queue, events }
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()])
      return this.#bull
    })()
    return this.#ready
  }

  /** Resolves once Redis answered and the queue is open; rejects with `ERR_REDIS_UNREACHABLE`. */
  async waitUntilReady(): Promise<void> {
    await this.#connect()
  }

  /**
   * Adds every item as a job (pulled lazily, at most `window` outstanding) and yields one outcome
   * per item, `{ index, status, value | error, attempts, key }`, in input order (or as jobs finish
   * with `ordered: false`). A job that failed after its attempts is a rejected outcome with
   * `ERR_JOB_FAILED`. Stopping the loop early stops adding; jobs already added still run.
   */
  async *distribute<T, R = unknown>(
    items: Iterable<T> | AsyncIterable<T>,
    options: QueueDistributeOptions<T>,
  ): AsyncGenerator<QueueOutcome<R>, void, undefined> {
    const resolved = resolveDistributeOptions(options)
    const { queue } = await this.#connect()
    const host = {
      bull: queue,
      client: () => this.#redis(),
      stats: this.#stats,
      onFinished: (listener: (jobId: string) => void) => {
        this.#finished.add(listener)
        return () => this.#finished.delete(listener)
      },
      progress: () => this.#emitter.emit('progress', () => this.stats()),
      closed: () => this.#closing !== undefined,
      closing: this.#closed.signal,
    }
    yield* distribution<T, R>(host, items, resolved)
  }

  /**
   * Sets BullMQ's global rate of the queue, stored in Redis: at most `max` jobs start in every
   * `duration` ms across every worker, whatever their own `rate`. `undefined` removes it.
   */
  async setRate(rate: QueueRate | undefined): Promise<void> {
    const resolved = resolveRate(rate)
    const { queue } = await this.#connect()
    if (resolved === undefined) await queue.removeGlobalRateLimit()
    else await queue.setGlobalRateLimit(resolved.max, resolved.duration)
  }

  /**
   * Removes the job of `key` when it has finished (`'finished'`: completed or failed; `'failed'`:
   * failed only), so that the key's next `distribute` runs it again instead of reading its outcome.
   * A job waiting or running stays. Resolves with whether a job was removed.
   */
  async removeFinished(key: string | number, which: 'finished' | 'failed' = 'finished'): Promise<boolean> {
    const { queue } = await this.#connect()
    return removeIfFinished(this.#redis(), queue, jobIdOf(key), which)
  }

  /** This producer's own connection (counts, cheap reads of jobs), opened at its first use. */
  #redis(): Redis {
    this.#client ??= openClient(this.#options.connection)
    return this.#client
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof QueueEvents>(event: K, listener: (payload: QueueEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener)
  }

  stats(): QueueStats {
    const byWorker = Object.fromEntries(
      Object.entries(this.#stats.byWorker).map(([name, counts]) => [name, { ...counts }]),
    )
    return { ...this.#stats, byWorker }
  }

  /**
   * What every worker of the queue counted, read from Redis: 429s and the pauses they asked for,
   * and the waits for the shared token budget. The sums run across runs: a run's own are the
   * difference between a reading at its start and one at its end.
   */
  async clusterCounts(): Promise<QueueClusterCounts> {
    await this.#connect()
    return readCounts(this.#redis(), countsKey(this.#options.prefix, this.#options.name))
  }

  /**
   * Every worker of the queue as it last published itself (every `statusInterval`, 1 s): its stats,
   * concurrency and limiter state. A worker that closed, or stopped publishing three intervals ago
   * (killed), is not among them.
   */
  async workers(): Promise<QueueWorkerStatus[]> {
    await this.#connect()
    return readStatuses(this.#redis(), this.#options.prefix, this.#options.name)
  }

  /**
   * The queue's jobs in Redis by state now, every producer's: `active` on a worker, `waiting` for
   * one (prioritized included), `delayed` (a retry's backoff), and the finished ones kept.
   */
  async jobCounts(): Promise<QueueJobCounts> {
    const { queue } = await this.#connect()
    const counts = await queue.getJobCounts(
      'active',
      'waiting',
      'prioritized',
      'delayed',
      'completed',
      'failed',
    )
    const read = (state: string) => counts[state] ?? 0
    return {
      active: read('active'),
      waiting: read('waiting') + read('prioritized'),
      delayed: read('delayed'),
      completed: read('completed'),
      failed: read('failed'),
    }
  }

  /**
   * Closes the connections (jobs in Redis stay, and workers go on running them), within
   * `closeTimeout` whatever Redis does: past it (Redis down), the connections are cut, what waited on
   * them fails (a `distribute` under way ends), and `'error'` reports `ERR_CLOSE_TIMEOUT`.
   * Idempotent: always the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed.abort(new QueueError('ERR_CLOSED', 'The queue was closed'))
      if (!(await within(this.#closeGracefully(), this.#options.closeTimeout))) this.#closeNow()
    })()
    return this.#closing
  }

  async #closeGracefully(): Promise<void> {
    await this.#ready?.catch(() => undefined)
    const bull = this.#bull
    if (bull) await Promise.all([bull.events.close(), bull.queue.close()])
    await closeClient(this.#client)
  }

  /**
   * The end of a close that ran out of time. BullMQ's close never ends while Redis is down (it waits
   * for a reconnecting connection to report its end): the connections are cut instead, which fails
   * the commands waiting on them.
   */
  #closeNow(): void {
    this.#client?.disconnect()
    this.#bull?.events.disconnect().catch(() => {})
    this.#bull?.queue.disconnect().catch(() => {})
    this.#emitter.emit(
      'error',
      new QueueError(
        'ERR_CLOSE_TIMEOUT',
        `The queue's close ran out of its ${this.#options.closeTimeout} ms (closeTimeout): Redis did not answer, its connections were cut`,
      ),
    )
  }

  [asyncDispose](): Promise<void> {
    return this.close()
  }
}

/** Makes a producer for the queue `name` on `connection`; it connects at its first use. */
export function createQueue(options: QueueOptions): Queue {
  return new Queue(options)
}
