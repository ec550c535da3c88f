/**
 * The jobs of one `distribute` call that are outstanding (added, not yet yielded): it pulls items
 * while fewer than `window` are outstanding, adds each as a job whose id is made from its key, and
 * reads the jobs BullMQ reported finished, or a poll found finished or lost, into outcomes.
 */
import type { ItemIterator, KeyedOutcome } from '@boundkit/internal'
import { type Queue as BullQueue, Job } from 'bullmq'
import type { Redis } from 'ioredis'
import { jobBackoff } from './backoff'
import { QueueError } from './errors'
import { presenceOf, removeIfFinished } from './finished'
import { jobIdOf } from './job-id'
import type { QueueJob } from './jobs'
import type { ResolvedDistributeOptions } from './options'
import type { QueueStats } from './stats'
import { unlessAborted } from './within'

export type QueueKey = string | number
export type QueueOutcome<R> = KeyedOutcome<R, QueueKey>

/** What a distribution needs from its queue. */
export interface DistributionHost {
  bull: BullQueue
  /** The producer's own connection, for the cheap reads of `finished.ts`. */
  client(): Redis
  stats: QueueStats
  /** Calls `listener(jobId)` when BullMQ reports a job finished; returns the unsubscribe. */
  onFinished(listener: (jobId: string) => void): () => void
  /** Reports progress after an outcome. */
  progress(): void
  /** Whether the queue's `close()` was called (its connections may be cut). */
  closed(): boolean
  /** Aborts when the queue's `close()` is called. */
  closing: AbortSignal
}

interface Entry {
  index: number
  key: QueueKey
  id: string
  job: QueueJob
  /** The earlier job of the key to remove first, if it finished. */
  replace: 'finished' | 'failed' | undefined
}

export class OutstandingJobs<T, R> {
  readonly #host: DistributionHost
  readonly #source: ItemIterator<T>
  readonly #options: ResolvedDistributeOptions<T>
  readonly #stop: AbortSignal
  /** Added jobs not finished yet, by job id. */
  readonly #pending = new Map<string, Entry>()
  /** Outcomes not yielded yet, by item index. */
  readonly #ready = new Map<number, QueueOutcome<R>>()
  /** Jobs BullMQ's events said finished, not read yet. */
  readonly #heard = new Set<string>()
  #wake: (() => void) | undefined
  #next = 0
  #nextToYield = 0
  #nextPollAt = 0
  /** Every item was pulled. */
  exhausted = false

  constructor(
    host: DistributionHost,
    source: ItemIterator<T>,
    options: ResolvedDistributeOptions<T>,
    stop: AbortSignal,
  ) {
    this.#host = host
    this.#source = source
    this.#options = options
    this.#stop = stop
  }

  /** Jobs added and not finished. */
  get pending(): number {
    return this.#pending.size
  }

  /** Every item pulled, and every outcome yielded. */
  get done(): boolean {
    return this.exhausted && this.#pending.size === 0 && this.#ready.size === 0
  }

  /** There is work without waiting: a finish heard, or room for more items. */
  get canGoOn(): boolean {
    return this.heardAny || (!this.exhausted && this.#outstanding() < this.#options.window)
  }

  get heardAny(): boolean {
    return this.#heard.size > 0
  }

  get pollDue(): boolean {
    return Date.now() >= this.#nextPollAt
  }

  /** BullMQ reported job `id` finished. */
  heard(id: string): void {
    if (!this.#pending.has(id)) return
    this.#heard.add(id)
    this.wake()
  }

  /** Ends the wait for the next poll. */
  wake(): void {
    this.#wake?.()
  }

  #until<P>(promise: Promise<P>): Promise<P> {
    return unlessAborted(promise, this.#stop)
  }

  #outstanding(): number {
    return this.#pending.size + this.#ready.size
  }

  #settle(outcome: QueueOutcome<R>): void {
    this.#ready.set(outcome.index, outcome)
    if (outcome.status === 'fulfilled') this.#host.stats.done++
    else this.#host.stats.failed++
  }

  #addJob(entry: Entry) {
    return this.#host.bull.add(entry.job.name, entry.job.data, {
      jobId: entry.id,
      attempts: this.#options.attempts,
      backoff: jobBackoff(this.#options.backoff),
      // Finished jobs stay: their results are read from them, and they make a re-added key a no-op.
      removeOnComplete: false,
      removeOnFail: false,
    })
  }

  /** Adds the entry's job, once its key's earlier finished job is removed when it is to run again. */
  async #add(entry: Entry) {
    if (entry.replace !== undefined)
      await removeIfFinished(this.#host.client(), this.#host.bull, entry.id, entry.replace)
    return this.#addJob(entry)
  }

  /** Pulls items while fewer than `window` are outstanding, and adds their jobs. */
  async fill(): Promise<void> {
    // Adds are sent without waiting for each answer: ioredis pipelines them on one connection, in order.
    const adding: Promise<unknown>[] = []
    await this.#until(this.#pull(adding).finally(() => Promise.all(adding)))
  }

  async #pull(adding: Promise<unknown>[]): Promise<void> {
    const { iterator, isAsync } = this.#source
    while (!this.exhausted && this.#outstanding() < this.#options.window && !this.#options.signal?.aborted) {
      const step = iterator.next()
      const result = isAsync ? await step : (step as IteratorResult<T>)
      if (result.done) {
        this.exhausted = true
        return
      }
      const index = this.#next++
      let entry: Entry
      try {
        entry = this.#entryOf(result.value, index)
      } catch (error) {
        this.#settle({ index, status: 'rejected', error, key: undefined })
        continue
      }
      this.#pending.set(entry.id, entry)
      this.#host.stats.queued++
      this.#host.stats.added++
      adding.push(this.#add(entry))
    }
  }

  #entryOf(value: T, index: number): Entry {
    const key = this.#options.key(value, index)
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new QueueError(
        'ERR_INVALID_OPTION',
        `Expected \`key\` to return a string or a number, got ${typeof key}`,
      )
    }
    const replace = this.#options.replace?.(value, index)
    const entry = { index, key, id: jobIdOf(key), job: this.#options.job(value, index), replace }
    if (this.#pending.has(entry.id)) {
      throw new QueueError(
        'ERR_DUPLICATE_KEY',
        `Key ${JSON.stringify(key)} is given to two items of this call`,
      )
    }
    return entry
  }

  /** Reads the jobs heard finished. */
  async checkHeard(): Promise<void> {
    if (this.#heard.size === 0) return
    const entries = [...this.#heard].map((id) => this.#pending.get(id)).filter((e) => e !== undefined)
    this.#heard.clear()
    await this.#until(Promise.all(entries.map((entry) => this.#check(entry))))
  }

  /** The outcomes that may be yielded now: in input order when `ordered`, else as they came. */
  *takeReady(): Generator<QueueOutcome<R>> {
    const ready = this.#ready
    if (this.#options.ordered) {
      for (
        let outcome = ready.get(this.#nextToYield);
        outcome !== undefined;
        outcome = ready.get(this.#nextToYield)
      ) {
        ready.delete(this.#nextToYield++)
        yield outcome
      }
    } else {
      for (const [index, outcome] of ready) {
        ready.delete(index)
        yield outcome
      }
    }
  }

  /** Waits until the next poll is due, or a finish is heard, or the distribution stops. */
  async untilPoll(): Promise<void> {
    const delay = this.#nextPollAt - Date.now()
    if (delay <= 0) return
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((resolve) => {
      this.#wake = resolve
      timer = setTimeout(resolve, delay)
    })
    this.#wake = undefined
    clearTimeout(timer)
  }

  /**
   * Polls every outstanding job (two fields each, one round trip) and reads the finished or lost
   * ones; when one had finished unseen, the next poll is due at once (a restarted producer finds a
   * window full of finished jobs), otherwise after `pollInterval`.
   */
  async poll(): Promise<void> {
    const entries = [...this.#pending.values()]
    const presence = await this.#until(
      presenceOf(
        this.#host.client(),
        this.#host.bull,
        entries.map((e) => e.id),
      ).catch(() => entries.map(() => 'open' as const)),
    )
    const found = await this.#until(
      Promise.all(entries.filter((_, i) => presence[i] !== 'open').map((entry) => this.#check(entry))),
    )
    this.#nextPollAt = found.includes(true) ? 0 : Date.now() + this.#options.pollInterval
  }

  /** Reads the job from Redis; settles it if it finished, adds it again if Redis lost it. */
  async #check(entry: Entry): Promise<boolean> {
    const job = await Job.fromId(this.#host.bull, entry.id)
    if (!this.#pending.has(entry.id)) return false
    if (job === undefined) {
      this.#host.stats.readded++
      await this.#addJob(entry)
      return false
    }
    if (!job.finishedOn) return false
    // A failed job always has a `failedReason`; one without is completed. A job that failed an
    // attempt and then completed keeps its reason, so only then is the state read.
    const state = job.failedReason ? await job.getState() : 'completed'
    if (state !== 'completed' && state !== 'failed') return false
    if (!this.#pending.delete(entry.id)) return false
    this.#host.stats.queued--
    this.#countByWorker(job, state)
    const attempts = job.attemptsMade
    if (state === 'completed') {
      this.#settle({
        index: entry.index,
        status: 'fulfilled',
        value: job.returnvalue as R,
        attempts,
        key: entry.key,
      })
    } else {
      const error = new QueueError(
        'ERR_JOB_FAILED',
        `Job ${entry.id} failed after ${attempts} attempt(s): ${job.failedReason}`,
        { jobId: entry.id, attempts },
      )
      this.#settle({ index: entry.index, status: 'rejected', error, attempts, key: entry.key })
    }
    return true
  }

  #countByWorker(job: Job, state: 'completed' | 'failed'): void {
    if (!job.processedBy) return
    const byWorker = this.#host.stats.byWorker
    byWorker[job.processedBy] ??= { done: 0, failed: 0 }
    const counts = byWorker[job.processedBy] as { done: number; failed: number }
    if (state === 'completed') counts.done++
    else counts.failed++
  }
}
