import { hostname } from 'node:os'
import { asyncDispose, Emitter } from '@boundkit/internal'
import { createLimiter } from '@boundkit/limiter'
import type { Redis } from 'ioredis'
import { backoffStrategy } from './backoff'
import { BullWorker } from './bull-worker'
import { countsKey, limiterKey, type PauseReason, pauseQueue } from './cluster-counts'
import { bullConnection, checkRedis, closeClient, openClient, scrubError } from './connection'
import { invalidOption, QueueError } from './errors'
import { QUEUE_WORKER_EVENTS, type QueueWorkerEvents } from './events'
import { type QueueWorkerOptions, type ResolvedWorkerOptions, resolveWorkerOptions } from './options'
import { JobRunner } from './run-job'
import type { QueueWorkerStats } from './stats'
import { TokenWindow } from './token-window'
import { within } from './within'
import { type QueueWorkerStatus, StatusPublisher } from './worker-status'

const SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * A process's BullMQ worker: takes jobs of one queue and runs them (`pool` jobs on a local pool,
 * `http` jobs through a local limiter, other names with your handlers). Start one with `startWorker`.
 */
/** BullMQ's limiter when no `rate` is given: a count never reached, so only the queue's pauses hold jobs back. */
const PAUSE_ONLY_RATE = { max: Number.MAX_SAFE_INTEGER, duration: 1000 }

export class QueueWorker implements AsyncDisposable {
  readonly #options: ResolvedWorkerOptions
  readonly #emitter = new Emitter<QueueWorkerEvents>(QUEUE_WORKER_EVENTS, invalidOption)
  readonly #stats: QueueWorkerStats = {
    running: 0,
    done: 0,
    failed: 0,
    rateLimited: 0,
    cooldowns: 0,
    cooldownMs: 0,
    tokenWaits: 0,
    tokenWaitMs: 0,
  }
  readonly #runner: JobRunner
  readonly #limiter
  readonly #worker: BullWorker
  /** This worker's status in Redis, for producers' `queue.workers()`. */
  readonly #status: StatusPublisher
  /** Aborts the local limiter's requests when `close()` stops waiting for them. */
  readonly #abandon = new AbortController()
  readonly #onSignal = (signal: NodeJS.Signals) => void this.#closeOnSignal(signal)
  /** A connection of this worker's own, for the token window and the cluster's counts (opened when first needed). */
  #client: Redis | undefined
  #tokenWindow: TokenWindow | undefined
  #closing: Promise<void> | undefined
  readonly #ready: Promise<void>
  /** Whether BullMQ's worker ever connected (before that, it holds no job and a close waits for nothing). */
  #connected = false
  /** Whether `close()` ran out of its grace period and dropped what still ran. */
  #closedNow = false

  /** Use `startWorker`, which checks Redis first; this constructor starts taking jobs at once. */
  constructor(options: QueueWorkerOptions) {
    const resolved = resolveWorkerOptions(options)
    this.#options = resolved
    // One request per attempt unless the limiter's options ask for retries of their own: the job's
    // attempts are its retries.
    this.#limiter = createLimiter({ retry: false, ...resolved.limiter, signal: this.#abandon.signal })
    // The limiter's own signal, if given, still aborts it (through this worker's).
    const given = resolved.limiter.signal
    if (given?.aborted) this.#abandon.abort(given.reason)
    else given?.addEventListener('abort', () => this.#abandon.abort(given.reason), { once: true })
    this.#runner = new JobRunner(resolved, this.#limiter, {
      pause: (reason, ms) => this.#pause(reason, ms),
      tokenWindow: () => {
        this.#tokenWindow ??= new TokenWindow(this.#redis(), resolved.prefix, resolved.name)
        return this.#tokenWindow
      },
    })
    this.#worker = new BullWorker(resolved.name, (job) => this.#run(job), {
      connection: bullConnection(resolved.connection),
      prefix: resolved.prefix,
      concurrency: resolved.concurrency,
      lockDuration: resolved.lockDuration,
      // Locks renewed every quarter of lockDuration: a killed worker's expire 3/4 to 1 lockDuration
      // after the kill, and the stalled-job check, every quarter too, puts its jobs back within one
      // or two checks: 3/4 to 1.5 lockDuration. A blocked event loop loses a lock past 3/4 of it.
      lockRenewTime: Math.max(1, Math.round(resolved.lockDuration / 4)),
      stalledInterval: Math.max(1, Math.round(resolved.lockDuration / 4)),
      name: resolved.workerName,
      settings: { backoffStrategy: backoffStrategy() },
      // Without a rate of its own, a limit no queue reaches: BullMQ honours the queue's pause (a 429,
      // the token budget) only with a limiter. Without one, a worker fetched jobs during a pause, held
      // them past their lock while it waited the pause out, and they ran twice.
      limiter: resolved.rate ?? PAUSE_ONLY_RATE,
    })
    this.#worker.on('error', (error) => this.#error(error))
    this.#status = new StatusPublisher(
      () => this.#redis(),
      { prefix: resolved.prefix, queue: resolved.name },
      () => this.status(),
      resolved.statusInterval,
    )
    this.#ready = this.#worker.waitUntilReady().then(() => {
      this.#connected = true
      if (!this.#closing) this.#status.start()
    })
    this.#ready.catch(() => {})
    this.#worker.on('failed', () => {
      this.#stats.failed++
      this.#emitter.emit('progress', () => this.stats())
    })
    this.#worker.on('completed', () => {
      this.#stats.done++
      this.#emitter.emit('progress', () => this.stats())
    })
    if (resolved.handleSignals) for (const signal of SIGNALS) process.on(signal, this.#onSignal)
  }

  /** Pauses every worker of the queue (a 429, 503s in a row, the token budget) and counts it here and in Redis. */
  async #pause(reason: PauseReason, ms: number): Promise<void> {
    if (reason === 'tokens') {
      this.#stats.tokenWaits++
      this.#stats.tokenWaitMs += ms
    } else {
      if (reason === 'rateLimited') this.#stats.rateLimited++
      this.#stats.cooldowns++
      this.#stats.cooldownMs += ms
    }
    const { prefix, name } = this.#options
    await pauseQueue(
      this.#redis(),
      { limiter: limiterKey(prefix, name), counts: countsKey(prefix, name) },
      reason,
      ms,
    )
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
    this.#emitter.emit('error', scrubError(error, this.#options.connection))
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
    return this.#ready
  }

  stats(): QueueWorkerStats {
    return { ...this.#stats }
  }

  /** What this worker publishes in Redis every `statusInterval`: its stats, its concurrency and its limiter's state. */
  status(): QueueWorkerStatus {
    const { running, queued, concurrency, coolingDown } = this.#limiter.stats()
    return {
      name: this.#options.workerName,
      host: hostname(),
      pid: process.pid,
      concurrency: this.#options.concurrency,
      ...this.stats(),
      limiter: { concurrency, running, queued, coolingDown },
      at: Date.now(),
    }
  }

  /**
   * Takes no new job, lets the running ones finish (their results reach Redis), then closes the
   * pools, the limiter and the connections, all within `closeTimeout`: past it (Redis down, a job
   * that does not end) it stops waiting, drops what still runs (those jobs run elsewhere once their
   * lock expires) and resolves. Idempotent: always the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const signal of SIGNALS) process.off(signal, this.#onSignal)
      const graceful = this.#closeGracefully()
      const grace = this.#connected ? this.#options.closeTimeout : 0
      if (!(await within(graceful, grace))) this.#closeNow()
    })()
    return this.#closing
  }

  async #closeGracefully(): Promise<void> {
    await this.#worker.close()
    await Promise.all([this.#runner.close(), this.#limiter.close(), this.#status.stop(true)])
    // The last counts are still queued on it: closeClient sends them first.
    await closeClient(this.#client)
  }

  /**
   * The end of a close that ran out of time: everything that could hold the process goes now.
   * BullMQ's own close may never end while Redis is down (it waits for a connection that is
   * reconnecting to report its end, which it never does): its connections are cut instead.
   */
  #closeNow(): void {
    this.#closedNow = true
    void this.#status.stop(false)
    const running = this.#stats.running
    this.#abandon.abort(new QueueError('ERR_CLOSED', 'The worker was closed'))
    void this.#runner.destroy()
    this.#client?.disconnect()
    this.#worker.stopTimers()
    this.#worker.disconnect().catch(() => {})
    if (!this.#connected) return
    const dropped =
      running > 0
        ? `${running} jobs still running were dropped: they run elsewhere once their lock expires`
        : 'Redis did not answer'
    this.#emitter.emit(
      'error',
      new QueueError(
        'ERR_CLOSE_TIMEOUT',
        `The worker's close ran out of its ${this.#options.closeTimeout} ms (closeTimeout): ${dropped}`,
      ),
    )
  }

  /**
   * SIGTERM or SIGINT: close. This listener took the signal's default (ending the process) away, and
   * after a close that ran out of time something may still hold the process (a handler's timer,
   * BullMQ's watchdog of its blocking read): the signal is raised again once nobody else listens to
   * it, which ends the process as if it had not been caught.
   */
  async #closeOnSignal(signal: NodeJS.Signals): Promise<void> {
    await this.close()
    if (this.#closedNow && process.listenerCount(signal) === 0) process.kill(process.pid, signal)
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
  // Redis answered the check: a worker that still cannot connect within connectTimeout (Redis gone
  // since, or its clients at `maxclients`) fails the start rather than waiting for it forever.
  let first: Error | undefined
  const stopListening = worker.on('error', (error) => {
    first ??= error
  })
  try {
    if (!(await within(worker.waitUntilReady(), resolved.connectTimeout))) {
      throw new QueueError(
        'ERR_REDIS_UNREACHABLE',
        `Redis at ${resolved.connection.label} answered, then the worker could not connect within ${resolved.connectTimeout} ms${first ? `: ${first.message}` : ''}`,
        { cause: first },
      )
    }
  } catch (error) {
    await worker.close()
    throw error
  } finally {
    stopListening()
  }
  return worker
}
