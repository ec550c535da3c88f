import { Fifo } from '@boundkit/internal'
import PQueue from 'p-queue'
import { Attempt } from './attempt'
import { type Clock, systemClock } from './clock'
import { abortedError, LimiterError } from './errors'
import { isResponseLike } from './http-failure'
import type { ResolvedOptions } from './options'
import { RateWindow } from './rate-window'
import { discard } from './retry'
import { decideRetry, type RetryPolicy } from './retry-policy'
import type { LimiterEvents, LimiterStats } from './stats'

const QUEUED = 0
const RUNNING = 1
const WAITING = 2
const SETTLED = 3

/** Where a job's outcome goes: a `map`/`stream` batch. */
export interface JobSink {
  settled(job: Job, ok: boolean, value: unknown): void
}

/** One unit of work: a `run` call, or one item of a `map`/`stream`. */
export class Job {
  state = QUEUED
  attempt = 0
  firstStart = 0
  current: Attempt | undefined = undefined
  /** Backoff timer while WAITING. */
  timer: unknown = undefined
  resolve: ((value: unknown) => void) | undefined = undefined
  reject: ((error: unknown) => void) | undefined = undefined
  onAbort: (() => void) | undefined = undefined
  /** The function p-queue runs for each attempt (made when the job first reaches p-queue). */
  wrapper: (() => unknown) | undefined = undefined
  /** Neighbours in the limiter's list of live jobs. */
  prev: Job | undefined = undefined
  next: Job | undefined = undefined

  constructor(
    readonly fn: (...args: never[]) => unknown,
    readonly item: unknown,
    readonly index: number,
    readonly sink: JobSink | undefined,
    readonly signal: AbortSignal | undefined,
    readonly timeout: number | undefined,
    readonly policy: RetryPolicy,
    /** Slot release cannot wait for `fn` (a timeout or a signal is in play). */
    readonly guarded: boolean,
  ) {}
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

type Listener<K extends keyof LimiterEvents> = (event: LimiterEvents[K]) => void

/**
 * The engine behind `Limiter`: p-queue runs attempts under the concurrency limit; this class adds
 * rate windows, the Retry-After cooldown, retries that leave the queue while they wait, per-attempt
 * timeouts, cancellation and the counters. Not part of the public API.
 */
export class LimiterCore {
  readonly queue: PQueue
  readonly clock: Clock
  readonly random: () => number
  readonly options: ResolvedOptions
  readonly #windows: RateWindow[]
  /** Live (not settled) jobs as an intrusive doubly-linked list: O(1) add and remove. */
  #head: Job | undefined = undefined
  #tail: Job | undefined = undefined
  #liveCount = 0
  readonly #listeners: { [K in keyof LimiterEvents]?: Set<Listener<K>> } = {}
  #idleWaiters: (() => void)[] = []
  #running = 0
  #queued = 0
  #waiting = 0
  #done = 0
  #failed = 0
  #retried = 0
  #userPaused = false
  #gateClosed = false
  /** Cooldown: no starts before this time (clock ms); 0 when none. */
  #resumeAt = 0
  #cooldownEnd = 0
  #openTimer: unknown = undefined
  #openAt = 0
  #abortReason: unknown = undefined
  #aborted = false
  closed = false
  readonly batches = new Set<{ abort(reason: unknown): void }>()
  /**
   * Jobs waiting for a slot. p-queue is handed a job only when it can start it at once, so a large
   * backlog costs a compact Job each (not p-queue's promise, closures and options per task).
   */
  #backlog = new Fifo<Job>()
  /** Retries whose backoff is over: they go before the backlog. */
  #retryLane = new Fifo<Job>()
  #feeding = false

  constructor(options: ResolvedOptions, clock: Clock | undefined, random: (() => number) | undefined) {
    this.options = options
    this.clock = clock ?? systemClock
    this.random = random ?? Math.random
    this.queue = new PQueue({ concurrency: options.concurrency })
    this.queue.on('next', () => this.#feed())
    this.#windows = options.windows.map((w) => new RateWindow(w.limit, w.interval))
    if (options.onProgress) this.on('progress', options.onProgress)
    const signal = options.signal
    if (signal) {
      if (signal.aborted) this.abort(signal.reason)
      else signal.addEventListener('abort', () => this.abort(signal.reason), { once: true })
    }
  }

  get aborted(): boolean {
    return this.#aborted
  }

  get abortReason(): unknown {
    return this.#abortReason
  }

  // ---- enqueueing -------------------------------------------------------------------------

  /** Creates a job and queues its first attempt; the caller wires `resolve`/`reject` or a sink. */
  enqueue(job: Job): void {
    this.#link(job)
    this.#queued++
    if (job.signal) {
      const signal = job.signal
      job.onAbort = () => this.cancel(job, abortedError(signal.reason, job.attempt))
      signal.addEventListener('abort', job.onAbort, { once: true })
    }
    this.#backlog.push(job)
    // An idle limiter drops its reopen timer (so a long cooldown does not keep the process alive).
    if (this.#gateClosed && this.#openTimer === undefined && !this.#userPaused) this.#tryOpen()
    else this.#feed()
  }

  /** Hands queued jobs to p-queue while it has free slots and the gate is open. */
  #feed(): void {
    if (this.#feeding) return
    this.#feeding = true
    const queue = this.queue
    try {
      while (
        !this.#gateClosed &&
        !this.#userPaused &&
        queue.size === 0 &&
        queue.pending < queue.concurrency
      ) {
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
    const windows = this.#windows
    // The clock is read only when something needs it: a rate window, a cooldown, or maxRetryTime.
    const now =
      windows.length > 0 ||
      this.#resumeAt !== 0 ||
      (job.attempt === 0 && job.policy.maxRetryTime !== Number.POSITIVE_INFINITY)
        ? this.clock.now()
        : 0
    if (this.#userPaused || this.#blockedUntil(now) > now) {
      // Only reachable if p-queue started us while the gate was closing: wait at the front.
      this.#retryLane.push(job)
      this.#closeGate(now)
      return undefined
    }
    job.state = RUNNING
    this.#queued--
    this.#running++
    const attempt = new Attempt(++job.attempt, job.index)
    job.current = attempt
    if (job.attempt === 1) job.firstStart = now
    if (windows.length > 0) {
      for (const w of windows) w.record(now)
      if (this.#blockedUntil(now) > now) this.#closeGate(now)
    }
    if (this.#listeners.progress) this.#emitProgress()
    let result: unknown
    try {
      result = job.sink
        ? (job.fn as (i: unknown, c: Attempt) => unknown)(job.item, attempt)
        : (job.fn as (c: Attempt) => unknown)(attempt)
    } catch (error) {
      this.#failedAttempt(job, attempt, error)
      return undefined
    }
    if (!isThenable(result)) {
      this.#succeededAttempt(job, attempt, result)
      return undefined
    }
    const settle = Promise.resolve(result)
    if (!job.guarded) {
      return settle.then(
        (value) => this.#succeededAttempt(job, attempt, value),
        (error) => this.#failedAttempt(job, attempt, error),
      )
    }
    return new Promise<void>((release) => {
      attempt.release = release
      if (job.timeout !== undefined && job.timeout !== Number.POSITIVE_INFINITY) {
        const ms = job.timeout
        attempt.timer = this.clock.setTimeout(() => {
          const error = new LimiterError(
            'ERR_TIMEOUT',
            `Attempt ${attempt.attempt} timed out after ${ms} ms`,
            {
              attempts: attempt.attempt,
            },
          )
          attempt.abort(error)
          this.#failedAttempt(job, attempt, error)
        }, ms)
      }
      settle.then(
        (value) => this.#succeededAttempt(job, attempt, value),
        (error) => this.#failedAttempt(job, attempt, error),
      )
    })
  }

  /** Gives the attempt's slot back; false when it already had (timeout, abort). */
  #endAttempt(attempt: Attempt): boolean {
    if (!attempt.holding) return false
    attempt.holding = false
    this.#running--
    if (attempt.timer !== undefined) this.clock.clearTimeout(attempt.timer)
    attempt.release?.()
    return true
  }

  #succeededAttempt(job: Job, attempt: Attempt, value: unknown): void {
    if (!this.#endAttempt(attempt) || job.state !== RUNNING) return
    if (isResponseLike(value) && !value.ok) {
      this.#afterFailure(job, attempt, value, true)
      return
    }
    this.#finish(job, true, value)
  }

  #failedAttempt(job: Job, attempt: Attempt, error: unknown): void {
    if (!this.#endAttempt(attempt) || job.state !== RUNNING) return
    this.#afterFailure(job, attempt, error, false)
  }

  #afterFailure(job: Job, attempt: Attempt, failure: unknown, returned: boolean): void {
    const now = this.clock.now()
    const n = attempt.attempt
    const decision = decideRetry(job.policy, failure, n, job.firstStart, now, this.random)
    if (decision.retryAfter !== undefined && this.options.cooldown) this.#coolDown(decision.retryAfter, now)
    if (decision.retry) {
      if (returned) discard(failure)
      job.state = WAITING
      this.#waiting++
      this.#retried++
      const set = this.#listeners.retry
      if (set) this.#emit('retry', { index: job.index, attempt: n, delay: decision.delay, failure })
      job.timer = this.clock.setTimeout(() => this.#reenter(job), decision.delay)
      if (this.#listeners.progress) this.#emitProgress()
      return
    }
    if (returned) this.#finish(job, true, failure)
    else if (decision.exhausted) {
      const error = new LimiterError('ERR_RETRIES_EXHAUSTED', `Gave up after ${n} attempts`, {
        cause: failure,
        attempts: n,
      })
      this.#finish(job, false, error)
    } else this.#finish(job, false, failure)
  }

  #reenter(job: Job): void {
    if (job.state !== WAITING) return
    job.timer = undefined
    job.state = QUEUED
    this.#waiting--
    this.#queued++
    this.#retryLane.push(job)
    this.#feed()
  }

  #finish(job: Job, ok: boolean, value: unknown): void {
    job.state = SETTLED
    this.#unlink(job)
    if (ok) this.#done++
    else this.#failed++
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort)
    if (job.sink) job.sink.settled(job, ok, value)
    else if (ok) job.resolve!(value)
    else job.reject!(value)
    if (this.#listeners.progress) this.#emitProgress()
    if (this.#liveCount === 0) this.#becameIdle()
  }

  // ---- cancellation -----------------------------------------------------------------------

  /** Ends a job now with `error`: a queued one never starts, a running one sees its signal abort. */
  cancel(job: Job, error: unknown): void {
    if (job.state === SETTLED) return
    if (job.state === QUEUED) this.#queued--
    else if (job.state === WAITING) {
      this.#waiting--
      this.clock.clearTimeout(job.timer)
    } else if (job.current) {
      job.current.abort(error)
      if (job.guarded) this.#endAttempt(job.current)
    }
    if (error instanceof LimiterError && error.attempts === undefined) error.attempts = job.attempt
    this.#finish(job, false, error)
  }

  /** Cancels every live job that `match` selects (all when omitted). */
  cancelWhere(error: (job: Job) => unknown, match?: (job: Job) => boolean): void {
    for (const job of this.#liveJobs()) if (!match || match(job)) this.cancel(job, error(job))
  }

  /** Queued and waiting jobs end with `ERR_CLEARED`; running ones continue. */
  clear(): void {
    for (const job of this.#liveJobs()) {
      if (job.state === QUEUED || job.state === WAITING) {
        this.cancel(
          job,
          new LimiterError('ERR_CLEARED', 'The job was cleared before it started', { attempts: job.attempt }),
        )
      }
    }
    this.#dropQueued()
  }

  #dropQueued(): void {
    this.#backlog = new Fifo()
    this.#retryLane = new Fifo()
    this.queue.clear()
  }

  abort(reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#abortReason = reason
    for (const batch of [...this.batches]) batch.abort(reason)
    this.cancelWhere((job) => abortedError(reason, job.attempt))
    this.#dropQueued()
    this.#clearOpenTimer()
  }

  // ---- gate: pause, rate windows, cooldown -----------------------------------------------

  /** The earliest time every rate window and the cooldown allow a start. */
  #blockedUntil(now: number): number {
    let at = this.#resumeAt > now ? this.#resumeAt : 0
    for (const w of this.#windows) {
      const free = w.freeAt()
      if (free > at) at = free
    }
    return at
  }

  #closeGate(now: number): void {
    if (!this.#gateClosed) {
      this.#gateClosed = true
      this.queue.pause()
    }
    if (this.#userPaused) return
    const at = this.#blockedUntil(now)
    this.#scheduleOpen(at > now ? at : now + 1, now)
  }

  #scheduleOpen(at: number, now: number): void {
    if (this.#openTimer !== undefined) {
      if (this.#openAt === at) return
      this.clock.clearTimeout(this.#openTimer)
    }
    this.#openAt = at
    this.#openTimer = this.clock.setTimeout(
      () => {
        this.#openTimer = undefined
        this.#tryOpen()
      },
      Math.max(1, at - now),
    )
  }

  #clearOpenTimer(): void {
    if (this.#openTimer !== undefined) this.clock.clearTimeout(this.#openTimer)
    this.#openTimer = undefined
  }

  #tryOpen(): void {
    if (this.#userPaused || this.#aborted) return
    const now = this.clock.now()
    const at = this.#blockedUntil(now)
    if (at > now) {
      this.#scheduleOpen(at, now)
      return
    }
    const wasCooling = this.#resumeAt !== 0
    this.#resumeAt = 0
    this.#cooldownEnd = 0
    this.#gateClosed = false
    this.queue.start()
    this.#feed()
    if (wasCooling && this.#listeners.progress) this.#emitProgress()
  }

  #coolDown(retryAfter: number, now: number): void {
    const cooldown = this.options.cooldown!
    const wait = Math.min(retryAfter, cooldown.maxDelay)
    const end = now + wait
    if (wait <= 0 || end <= this.#cooldownEnd) return
    this.#cooldownEnd = end
    this.#resumeAt = end + this.random() * cooldown.jitter * wait
    this.#closeGate(now)
    if (this.#listeners.cooldown)
      this.#emit('cooldown', { until: this.#resumeAt, delay: this.#resumeAt - now })
    if (this.#listeners.progress) this.#emitProgress()
  }

  pause(): void {
    this.#userPaused = true
    this.queue.pause()
    this.#clearOpenTimer()
  }

  resume(): void {
    if (!this.#userPaused) return
    this.#userPaused = false
    this.#tryOpen()
  }

  get concurrency(): number {
    return this.queue.concurrency
  }

  set concurrency(value: number) {
    this.queue.concurrency = value
    this.#feed()
  }

  // ---- counters, events, idle -------------------------------------------------------------

  stats(): LimiterStats {
    return {
      running: this.#running,
      queued: this.#queued,
      waiting: this.#waiting,
      done: this.#done,
      failed: this.#failed,
      retried: this.#retried,
      concurrency: this.queue.concurrency,
      paused: this.#userPaused,
      coolingDown: this.#resumeAt !== 0,
      cooldownUntil: this.#resumeAt,
    }
  }

  get size(): number {
    return this.#liveCount
  }

  #link(job: Job): void {
    job.prev = this.#tail
    if (this.#tail) this.#tail.next = job
    else this.#head = job
    this.#tail = job
    this.#liveCount++
  }

  #unlink(job: Job): void {
    if (job.prev) job.prev.next = job.next
    else this.#head = job.next
    if (job.next) job.next.prev = job.prev
    else this.#tail = job.prev
    job.prev = undefined
    job.next = undefined
    this.#liveCount--
  }

  /** A snapshot of the live jobs, oldest first. */
  #liveJobs(): Job[] {
    const jobs: Job[] = []
    for (let job = this.#head; job; job = job.next) jobs.push(job)
    return jobs
  }

  on<K extends keyof LimiterEvents>(event: K, listener: Listener<K>): () => void {
    let set = this.#listeners[event] as Set<Listener<K>> | undefined
    if (!set) {
      set = new Set()
      ;(this.#listeners as Record<string, Set<Listener<K>>>)[event] = set
    }
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) delete this.#listeners[event]
    }
  }

  #emit<K extends keyof LimiterEvents>(event: K, payload: LimiterEvents[K]): void {
    const set = this.#listeners[event] as Set<Listener<K>> | undefined
    if (!set) return
    for (const listener of set) {
      try {
        listener(payload)
      } catch (error) {
        // A listener's bug must not break the scheduler: report it like an uncaught error.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  #emitProgress(): void {
    this.#emit('progress', this.stats())
  }

  onIdle(): Promise<void> {
    if (this.#liveCount === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  #becameIdle(): void {
    this.#clearOpenTimer()
    const waiters = this.#idleWaiters
    if (waiters.length > 0) {
      this.#idleWaiters = []
      for (const resolve of waiters) resolve()
    }
    if (this.#listeners.idle) this.#emit('idle', undefined)
  }
}
