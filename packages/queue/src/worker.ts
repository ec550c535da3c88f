import { asyncDispose, Emitter } from '@boundkit/internal'
import { createLimiter } from '@boundkit/limiter'
import { Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { addCounts, countsKey } from './cluster-counts'
import { bullConnection, checkRedis, closeClient, openClient, scrub } from './connection'
import { invalidOption } from './errors'
import { QUEUE_WORKER_EVENTS, type QueueWorkerEvents } from './events'
import { type QueueWorkerOptions, type ResolvedWorkerOptions, resolveWorkerOptions } from './options'
import { JobRunner } from './run-job'
import type { QueueWorkerStats } from './stats'
import { TokenWindow } from './token-window'

const SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * A process's BullMQ worker: takes jobs of one queue and runs them (`pool` jobs on a local pool,
 * `http` jobs through a local limiter, other names with your handlers). Start one with `startWorker`.
 */
export class QueueWorker implements AsyncDisposable {
  readonly #options: ResolvedWorkerOptions
  readonly #emitter = new Emitter<QueueWorkerEvents>(QUEUE_WORKER_EVENTS, invalidOption)
  readonly #stats: QueueWorkerStats = {
    running: 0,
    completed: 0,
    failed: 0,
    cooldowns: 0,
    cooldownMs: 0,
    tokenWaits: 0,
    tokenWaitMs: 0,
  }
  readonly #runner: JobRunner
  readonly #limiter
  readonly #worker: Worker
  readonly #onSignal = () => void this.close()
  /** A connection of this worker's own, for the token window and the cluster's counts (opened when first needed). */
  #client: Redis | undefined
  #tokenWindow: TokenWindow | undefined
  #closing: Promise<void> | undefined

  /** Use `startWorker`, which checks Redis first; this constructor starts taking jobs at once. */
  constructor(options: QueueWorkerOptions) {
    const resolved = resolveWorkerOptions(options)
    this.#options = resolved
    this.#limiter = createLimiter(resolved.limiter)
    this.#runner = new JobRunner(resolved, this.#limiter, {
      rateLimit: (ms) => this.#worker.rateLimit(ms),
      onCooldown: (ms) => {
        this.#stats.cooldowns++
        this.#stats.cooldownMs += ms
        addCounts(this.#redis(), this.#countsKey, { rateLimited: 1, cooldownMs: ms })
      },
      tokenWindow: () => {
        this.#tokenWindow ??= new TokenWindow(this.#redis(), resolved.prefix, resolved.name)
        return this.#tokenWindow
      },
      onTokenWait: (ms) => {
        this.#stats.tokenWaits++
        this.#stats.tokenWaitMs += ms
        addCounts(this.#redis(), this.#countsKey, { tokenWaits: 1, tokenWaitMs: ms })
      },
    })
    this.#worker = new Worker(resolved.name, (job) => this.#run(job), {
      connection: bullConnection(resolved.connection),
      prefix: resolved.prefix,
      concurrency: resolved.concurrency,
      lockDuration: resolved.lockDuration,
      stalledInterval: resolved.lockDuration,
      name: resolved.workerName,
      ...(resolved.rate && { limiter: resolved.rate }),
    })
    this.#worker.on('error', (error) => this.#error(error))
    this.#worker.on('failed', () => {
      this.#stats.failed++
      this.#emitter.emit('progress', () => this.stats())
    })
    this.#worker.on('completed', () => {
      this.#stats.completed++
      this.#emitter.emit('progress', () => this.stats())
    })
    if (resolved.handleSignals) for (const signal of SIGNALS) process.on(signal, this.#onSignal)
  }

  get #countsKey(): string {
    return countsKey(this.#options.prefix, this.#options.name)
  }

  #redis(): Redis {
    this.#client ??= openClient(this.#options.connection)
    return this.#client
  }

  async #run(job: Parameters<JobRunner['run']>[0]): Promise<unknown> {
    this.#stats.running++
    try {
      return await this.#runner.run(job)
    } finally {
      this.#stats.running--
    }
  }

  #error(error: Error): void {
    error.message = scrub(error.message, this.#options.connection)
    this.#emitter.emit('error', error)
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof QueueWorkerEvents>(
    event: K,
    listener: (payload: QueueWorkerEvents[K]) => void,
  ): () => void {
    return this.#emitter.on(event, listener)
  }

  /** Resolves once the worker is connected and taking jobs. */
  waitUntilReady(): Promise<void> {
    return this.#worker.waitUntilReady().then(() => undefined)
  }

  stats(): QueueWorkerStats {
    return { ...this.#stats }
  }

  /**
   * Takes no new job, lets the running ones finish (their results reach Redis), then closes the
   * pools, the limiter and the connections. Idempotent: always the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const signal of SIGNALS) process.off(signal, this.#onSignal)
      await this.#worker.close()
      await Promise.all([this.#runner.close(), this.#limiter.close()])
      // The last counts are still queued on it: closeClient sends them first.
      await closeClient(this.#client)
    })()
    return this.#closing
  }

  [asyncDispose](): Promise<void> {
    return this.close()
  }
}

/**
 * Checks that Redis answers (`ERR_REDIS_UNREACHABLE` within `connectTimeout` otherwise), then starts a
 * worker that takes jobs of the queue `name` until `close()`, SIGTERM or SIGINT.
 */
export async function startWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const resolved = resolveWorkerOptions(options)
  await checkRedis(resolved.connection, resolved.connectTimeout)
  const worker = new QueueWorker(options)
  await worker.waitUntilReady()
  return worker
}
