import { Fifo, isThenable } from '@boundkit/internal'
import PQueue from 'p-queue'
import { Attempt } from './attempt'
import type { Clock } from './clock'
import { CooldownPolicy } from './cooldown-policy'
import { abortedError, LimiterError, timeoutError, withAttempts } from './errors'
import { LimiterEmitter } from './events'
import { Feedback } from './feedback'
import { Gate } from './gate'
import { isResponseLike } from './http-failure'
import { type Job, QUEUED, RUNNING, SETTLED, WAITING } from './job'
import { LinkedList } from './linked-list'
import type { ResolvedLimiterOptions } from './options'
import { discard } from './retry'
import { decideRetry, type RetryDecision } from './retry-policy'
import { Counters, type LimiterStats } from './stats'

/**
 * The engine behind `Limiter`: p-queue runs attempts under the concurrency limit, the gate holds
 * starts for the rate windows and the cooldown; this class adds retries that leave the queue while
 * they wait, per-attempt timeouts, cancellation, closing and the counters. Not part of the public API.
 */
export class LimiterCore {
  readonly #queue: PQueue
  readonly #clock: Clock
  readonly #random: () => number
  readonly #gate: Gate
  /** What finished attempts teach: 429s, rate-limit headers, adaptive concurrency's samples. */
  readonly #feedback: Feedback
  /** Which Retry-After pauses everyone; undefined with `cooldown: false` (none does). */
  readonly #cooldown: CooldownPolicy | undefined
  /** The live (not settled) jobs, oldest first. */
  readonly #jobs = new LinkedList<Job>()
  /** The limiter's events (`limiter.on` subscribes here). */
  readonly events = new LimiterEmitter()
  #idleWaiters: (() => void)[] = []
  readonly #n = new Counters()
  #abortReason: unknown = undefined
  #aborted = false
  #closed: Promise<void> | undefined = undefined
  #endingSoon = false
  readonly #batches = new Set<{ abort(reason: unknown): void }>()
  /**
   * Jobs waiting for a slot. p-queue is handed a job only when it can start it at once, so a large
   * backlog costs a compact Job each (not p-queue's promise, closures and options per task).
   */
  #backlog = new Fifo<Job>()
  /** Retries whose backoff is over: they go before the backlog. */
  #retryLane = new Fifo<Job>()
  #feeding = false

  constructor(options: ResolvedLimiterOptions) {
    this.#clock = options.clock
    this.#random = options.random
    this.#queue = new PQueue({ concurrency: options.concurrency })
    this.#queue.on('next', () => this.#feed())
    this.#gate = new Gate(options, {
      closed: () => this.#queue.pause(),
      opened: (cooled) => {
        this.#queue.start()
        this.#feed()
        if (cooled) this.#progress()
      },
    })
    this.#cooldown = options.cooldown && new CooldownPolicy(options.cooldown.after)
    this.#feedback = new Feedback(this.#gate.windows, options, (event) => {
      this.#queue.concurrency = event.limit
      this.events.emit('concurrency', event)
    })
    const signal = options.signal
    if (signal) {
      if (signal.aborted) this.abort(signal.reason)
      else signal.addEventListener('abort', () => this.abort(signal.reason), { once: true })
    }
  }

  /** Why new work is refused (aborted, closed, or its own signal aborted), or undefined. */
  refusal(signal: AbortSignal | undefined): LimiterError | undefined {
    if (this.#aborted) return abortedError(this.#abortReason, 0)
    if (this.#closed) return new LimiterError('ERR_CLOSED', 'The limiter is closed')
    if (signal?.aborted) return abortedError(signal.reason, 0)
    return undefined
  }

  /** A batch to abort with the limiter, until it ends. */
  track(batch: { abort(reason: unknown): void }): void {
    this.#batches.add(batch)
  }

  untrack(batch: { abort(reason: unknown): void }): void {
    this.#batches.delete(batch)
  }

  // ---- enqueueing -------------------------------------------------------------------------

  /** Ends a job that never queued (its cost was refused) with `error`. */
  refuse(job: Job, error: unknown): void {
    this.#jobs.add(job)
    this.#finish(job, false, error)
  }

  /** Queues a job's first attempt; its outcome goes to its call's sink, or to `resolve`/`reject`. */
  enqueue(job: Job): void {
    this.#jobs.add(job)
    this.#n.queued++
    const signal = job.call.signal
    if (signal) {
      job.onAbort = () => this.cancel(job, abortedError(signal.reason, job.attempt))
      signal.addEventListener('abort', job.onAbort, { once: true })
    }
    this.#backlog.push(job)
    if (this.#closed && this.#gate.coolingDown) this.#endWaitsSoon()
    else if (!this.#gate.wake()) this.#feed()
  }

  /** Hands queued jobs to p-queue while it has free slots and the gate is open. */
  #feed(): void {
    if (this.#feeding) return
    this.#feeding = true
    const queue = this.#queue
    try {
      while (this.#gate.open && queue.size === 0 && queue.pending < queue.concurrency) {
        const job = this.#retryLane.shift() ?? this.#backlog.shift()
        if (job === undefined) break
        if (job.state !== QUEUED) continue
        if (job.wrapper === undefined) job.wrapper = () => this.#start(job)
        queue.add(job.wrapper)
      }
    } finally {
      this.#feeding = false
    }
  }

  // ---- one attempt ------------------------------------------------------------------------

  #start(job: Job): unknown {
    if (job.state !== QUEUED) return undefined
    const call = job.call
    // The clock is read only when something needs it: a rate window, a cooldown, or maxRetryTime.
    const now =
      this.#gate.timed || (job.attempt === 0 && call.policy.maxRetryTime !== Number.POSITIVE_INFINITY)
        ? this.#clock.now()
        : 0
    const charge = this.#gate.admit(now, job.cost)
    if (charge === undefined) {
      // Only reachable if p-queue started us while the gate was closing: wait at the front.
      this.#retryLane.push(job)
      return undefined
    }
    job.state = RUNNING
    this.#n.queued--
    this.#n.running++
    const attempt = new Attempt(++job.attempt, job.index, charge)
    job.current = attempt
    // Kept only where maxRetryTime reads it: a time stored in every job boxes a number in every job.
    if (job.attempt === 1 && call.policy.maxRetryTime !== Number.POSITIVE_INFINITY) job.firstStart = now
    this.#progress()
    let result: unknown
    try {
      result = call.sink
        ? (job.fn as (i: unknown, c: Attempt) => unknown)(job.item, attempt)
        : (job.fn as (c: Attempt) => unknown)(attempt)
      if (!isThenable(result)) {
        this.#attemptResolved(job, attempt, result)
        return undefined
      }
    } catch (error) {
      this.#attemptRejected(job, attempt, error)
      return undefined
    }
    const settle = Promise.resolve(result)
    if (!call.guarded) {
      return settle.then(
        (value) => this.#attemptResolved(job, attempt, value),
        (error) => this.#attemptRejected(job, attempt, error),
      )
    }
    return new Promise<void>((release) => {
      attempt.release = release
      if (call.timeout !== Number.POSITIVE_INFINITY) {
        const ms = call.timeout
        attempt.timer = this.#clock.setTimeout(() => {
          const error = timeoutError(attempt.attempt, ms)
          attempt.abort(error)
          this.#attemptRejected(job, attempt, error)
        }, ms)
      }
      settle.then(
        (value) => this.#attemptResolved(job, attempt, value),
        (error) => this.#attemptRejected(job, attempt, error),
      )
    })
  }

  /** Gives the attempt's slot back; false when it already had (timeout, abort). */
  #endAttempt(attempt: Attempt): boolean {
    if (!attempt.holding) return false
    attempt.holding = false
    this.#n.running--
    if (attempt.timer !== undefined) this.#clock.clearTimeout(attempt.timer)
    attempt.release?.()
    return true
  }

  #attemptResolved(job: Job, attempt: Attempt, value: unknown): void {
    if (!this.#endAttempt(attempt) || job.state !== RUNNING) return
    if (isResponseLike(value) && !value.ok) this.#afterFailure(job, attempt, value, true)
    else {
      this.#cooldown?.succeeded()
      if (this.#feedback.watchesSuccess) this.#feedback.succeeded(attempt.charge, value, this.#n.running + 1)
      this.#finish(job, true, value)
    }
  }

  #attemptRejected(job: Job, attempt: Attempt, error: unknown): void {
    if (!this.#endAttempt(attempt) || job.state !== RUNNING) return
    this.#afterFailure(job, attempt, error, false)
  }

  /** Retries, or ends the job; a user callback that throws here ends it with ERR_CALLBACK_FAILED. */
  #afterFailure(job: Job, attempt: Attempt, failure: unknown, returned: boolean): void {
    const n = attempt.attempt
    let decision: RetryDecision
    try {
      const now = this.#clock.now()
      this.#feedback.failed(attempt.charge, failure, now)
      decision = decideRetry(job.call.policy, failure, n, job.firstStart, now, this.#random)
      // A wait past maxRetryAfter fails its item at once (ERR_RETRY_AFTER_TOO_LONG); pausing every
      // other item for it (up to cooldown.maxDelay) would only hold the batch before the same answer.
      const tooLong = !decision.retry && decision.error?.code === 'ERR_RETRY_AFTER_TOO_LONG'
      if (decision.retryAfter !== undefined && !tooLong) {
        if (this.#cooldown?.shared(decision.rateLimited)) this.#coolDown(decision.retryAfter, now)
        else if (decision.retry) this.#n.retryAfterDelays++
      }
    } catch (error) {
      this.#finish(job, false, withAttempts(error, n))
      return
    }
    if (!decision.retry) {
      // A returned Response is handed back as fetch would; a thrown failure may be wrapped.
      if (returned) this.#finish(job, true, failure)
      else this.#finish(job, false, decision.error ?? failure)
      return
    }
    if (returned) discard(failure)
    job.failure = failure
    if (this.#closed) {
      this.#finish(job, false, this.#closedError(job))
      return
    }
    job.state = WAITING
    this.#n.waiting++
    this.#n.retried++
    if (this.events.has('retry')) {
      this.events.emit('retry', { index: job.index, attempt: n, delay: decision.delay, failure })
    }
    job.timer = this.#clock.setTimeout(() => this.#reenter(job), decision.delay)
    this.#progress()
  }

  #reenter(job: Job): void {
    if (job.state !== WAITING) return
    job.timer = undefined
    job.failure = undefined
    job.state = QUEUED
    this.#n.waiting--
    this.#n.queued++
    this.#retryLane.push(job)
    this.#feed()
  }

  #finish(job: Job, ok: boolean, value: unknown): void {
    job.state = SETTLED
    this.#jobs.delete(job)
    if (ok) this.#n.done++
    else this.#n.failed++
    if (job.onAbort) job.call.signal?.removeEventListener('abort', job.onAbort)
    const sink = job.call.sink
    if (sink) sink.settled(job, ok, value)
    else if (ok) job.resolve!(value)
    else job.reject!(value)
    this.#progress()
    if (this.#jobs.size === 0) this.#becameIdle()
  }

  #coolDown(retryAfter: number, now: number): void {
    const event = this.#gate.coolDown(retryAfter, now)
    if (event === undefined) return
    this.events.emit('cooldown', event)
    this.#progress()
    if (this.#closed) this.#endWaits()
  }

  // ---- cancellation and closing -----------------------------------------------------------

  /** Ends a job now with `error`: a queued one never starts, a running one sees its signal abort. */
  cancel(job: Job, error: unknown): void {
    if (job.state === SETTLED) return
    if (job.state === QUEUED) this.#n.queued--
    else if (job.state === WAITING) {
      this.#n.waiting--
      this.#clock.clearTimeout(job.timer)
    } else if (job.current) {
      job.current.abort(error)
      if (job.call.guarded) this.#endAttempt(job.current)
    }
    this.#finish(job, false, withAttempts(error, job.attempt))
  }

  /** Cancels every live job that `match` selects (all when omitted). */
  cancelWhere(error: (job: Job) => unknown, match?: (job: Job) => boolean): void {
    for (const job of this.#jobs.snapshot()) if (!match || match(job)) this.cancel(job, error(job))
  }

  /** Queued and waiting jobs end with `ERR_CLEARED`; running ones continue. */
  clear(): void {
    this.cancelWhere(
      (job) =>
        new LimiterError('ERR_CLEARED', 'The job was cleared before its next attempt started', {
          cause: job.failure,
        }),
      (job) => job.state === QUEUED || job.state === WAITING,
    )
    this.#dropQueued()
  }

  #dropQueued(): void {
    this.#backlog = new Fifo()
    this.#retryLane = new Fifo()
    this.#queue.clear()
  }

  abort(reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#abortReason = reason
    for (const batch of [...this.#batches]) batch.abort(reason)
    this.cancelWhere((job) => abortedError(reason, job.attempt))
    this.#dropQueued()
    this.#gate.stop()
  }

  /**
   * Refuses new work; running attempts and queued jobs go on, but nothing waits out a backoff or a
   * cooldown any more: those jobs end with `ERR_CLOSED` now. Resolves once every job has ended.
   */
  close(): Promise<void> {
    if (this.#closed === undefined) {
      this.#closed = this.onIdle()
      this.#endWaits()
    }
    return this.#closed
  }

  /** After `close()`: jobs waiting for a retry, and queued ones while a cooldown holds them, end now. */
  #endWaits(): void {
    const cooling = this.#gate.coolingDown
    this.cancelWhere(
      (job) => this.#closedError(job),
      (job) => job.state === WAITING || (cooling && job.state === QUEUED),
    )
  }

  /** A batch keeps pulling items after `close()`: end those a cooldown holds, without recursing. */
  #endWaitsSoon(): void {
    if (this.#endingSoon) return
    this.#endingSoon = true
    queueMicrotask(() => {
      this.#endingSoon = false
      this.#endWaits()
    })
  }

  #closedError(job: Job): LimiterError {
    const why = job.state === WAITING || job.failure !== undefined ? 'a retry' : 'the Retry-After cooldown'
    return new LimiterError('ERR_CLOSED', `The limiter was closed while the job waited for ${why}`, {
      cause: job.failure,
    })
  }

  // ---- pause, concurrency, counters, events, idle -----------------------------------------

  pause(): void {
    this.#gate.pause()
  }

  resume(): void {
    this.#gate.resume()
  }

  get concurrency(): number {
    return this.#queue.concurrency
  }

  /** Sets a fixed concurrency (adaptive concurrency stops). */
  set concurrency(value: number) {
    this.#feedback.fix()
    this.#queue.concurrency = value
    this.#feed()
  }

  stats(): LimiterStats {
    return {
      ...this.#n,
      concurrency: this.#queue.concurrency,
      rateLimited: this.#feedback.rateLimited,
      ...this.#gate.stats(this.#clock.now()),
    }
  }

  /** Emits the stats to 'progress' listeners; free when there are none (it runs twice per job). */
  #progress(): void {
    if (this.events.watched) this.events.emit('progress', this.stats())
  }

  onIdle(): Promise<void> {
    if (this.#jobs.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  #becameIdle(): void {
    this.#gate.sleep()
    const waiters = this.#idleWaiters
    if (waiters.length > 0) {
      this.#idleWaiters = []
      for (const resolve of waiters) resolve()
    }
    this.events.emit('idle', undefined)
  }
}
