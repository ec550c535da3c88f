/**
 * One `distribute` call: pulls items lazily while fewer than `window` are outstanding, adds each as a
 * job whose id is made from its key, and turns finished jobs into outcomes. A finish is seen through
 * BullMQ's events (fast) and through a check of the outstanding jobs in Redis every `pollInterval`
 * (robust: it catches events missed during a reconnect, jobs that had finished before this producer
 * started, and jobs a restarted Redis lost, which it adds again).
 */
import { itemIterator, type KeyedOutcome } from '@boundkit/internal'
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

interface Entry {
  index: number
  key: QueueKey
  id: string
  job: QueueJob
  /** The earlier job of the key to remove first, if it finished. */
  replace: 'finished' | 'failed' | undefined
}

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

/**
 * What a failure means once the distribution was told to stop: with its signal aborted,
 * `ERR_ABORTED`; with its queue closed (a Redis call cut short), `ERR_CLOSED`; else the failure.
 */
function stopped(host: DistributionHost, signal: AbortSignal | undefined, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'ERR_ABORTED' || code === 'ERR_CLOSED') return error
  if (signal?.aborted) {
    return new QueueError('ERR_ABORTED', 'The distribution was aborted', { cause: signal.reason ?? error })
  }
  if (host.closed()) return new QueueError('ERR_CLOSED', 'The queue was closed', { cause: error })
  return error
}

export async function* distribution<T, R>(
  host: DistributionHost,
  items: Iterable<T> | AsyncIterable<T>,
  options: ResolvedDistributeOptions<T>,
): AsyncGenerator<QueueOutcome<R>, void, undefined> {
  const source = itemIterator(items)
  if (source === undefined)
    throw new QueueError('ERR_INVALID_OPTION', 'Expected `items` to be an iterable or async iterable')
  const pending = new Map<string, Entry>()
  const ready = new Map<number, QueueOutcome<R>>()
  const finished = new Set<string>()
  let wake: (() => void) | undefined
  const unsubscribe = host.onFinished((id) => {
    if (!pending.has(id)) return
    finished.add(id)
    wake?.()
  })
  // Stopped by the caller's signal or by the queue's close: every wait on Redis ends then.
  const stop = options.signal ? AbortSignal.any([options.signal, host.closing]) : host.closing
  const until = <P>(promise: Promise<P>) => unlessAborted(promise, stop)
  const onAbort = () => wake?.()
  stop.addEventListener('abort', onAbort)
  let next = 0
  let nextToYield = 0
  let exhausted = false
  let nextPollAt = 0

  const settle = (outcome: QueueOutcome<R>) => {
    ready.set(outcome.index, outcome)
    if (outcome.status === 'fulfilled') host.stats.done++
    else host.stats.failed++
  }

  const addJob = (entry: Entry) =>
    host.bull.add(entry.job.name, entry.job.data, {
      jobId: entry.id,
      attempts: options.attempts,
      backoff: jobBackoff(options.backoff),
      // Finished jobs stay: their results are read from them, and they make a re-added key a no-op.
      removeOnComplete: false,
      removeOnFail: false,
    })

  /** Adds the entry's job, once its key's earlier finished job is removed when it is to run again. */
  const add = async (entry: Entry) => {
    if (entry.replace !== undefined) await removeIfFinished(host.client(), host.bull, entry.id, entry.replace)
    return addJob(entry)
  }

  /** Reads the job from Redis; settles it if it finished, adds it again if Redis lost it. */
  const check = async (entry: Entry) => {
    const job = await Job.fromId(host.bull, entry.id)
    if (!pending.has(entry.id)) return false
    if (job === undefined) {
      host.stats.readded++
      await addJob(entry)
      return false
    }
    if (!job.finishedOn) return false
    // A failed job always has a `failedReason`; one without is completed. A job that failed an
    // attempt and then completed keeps its reason, so only then is the state read.
    const state = job.failedReason ? await job.getState() : 'completed'
    if (state !== 'completed' && state !== 'failed') return false
    if (!pending.delete(entry.id)) return false
    host.stats.queued--
    if (job.processedBy) {
      host.stats.byWorker[job.processedBy] ??= { done: 0, failed: 0 }
      const counts = host.stats.byWorker[job.processedBy] as { done: number; failed: number }
      if (state === 'completed') counts.done++
      else counts.failed++
    }
    const attempts = job.attemptsMade
    if (state === 'completed') {
      settle({
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
      settle({ index: entry.index, status: 'rejected', error, attempts, key: entry.key })
    }
    return true
  }

  const outstanding = () => pending.size + ready.size

  const fill = async () => {
    // Adds are sent without waiting for each answer: ioredis pipelines them on one connection, in order.
    const adding: Promise<unknown>[] = []
    try {
      await pull(adding)
    } finally {
      await Promise.all(adding)
    }
  }

  const pull = async (adding: Promise<unknown>[]) => {
    while (!exhausted && outstanding() < options.window && !options.signal?.aborted) {
      const step = source.iterator.next()
      const result = source.isAsync ? await step : (step as IteratorResult<T>)
      if (result.done) {
        exhausted = true
        return
      }
      const index = next++
      let entry: Entry
      try {
        const key = options.key(result.value, index)
        if (typeof key !== 'string' && typeof key !== 'number') {
          throw new QueueError(
            'ERR_INVALID_OPTION',
            `Expected \`key\` to return a string or a number, got ${typeof key}`,
          )
        }
        const replace = options.replace?.(result.value, index)
        entry = { index, key, id: jobIdOf(key), job: options.job(result.value, index), replace }
        if (pending.has(entry.id)) {
          throw new QueueError(
            'ERR_DUPLICATE_KEY',
            `Key ${JSON.stringify(key)} is given to two items of this call`,
          )
        }
      } catch (error) {
        settle({ index, status: 'rejected', error, key: undefined })
        continue
      }
      pending.set(entry.id, entry)
      host.stats.queued++
      host.stats.added++
      adding.push(add(entry))
    }
  }

  try {
    for (;;) {
      await until(fill())
      if (options.signal?.aborted) {
        throw new QueueError('ERR_ABORTED', 'The distribution was aborted', { cause: options.signal.reason })
      }
      if (host.closed()) throw new QueueError('ERR_CLOSED', 'The queue was closed')
      if (finished.size > 0) {
        const ids = [...finished]
        finished.clear()
        await until(
          Promise.all(
            ids
              .map((id) => pending.get(id))
              .filter((e) => e !== undefined)
              .map(check),
          ),
        )
      }
      if (options.ordered) {
        for (let outcome = ready.get(nextToYield); outcome !== undefined; outcome = ready.get(nextToYield)) {
          ready.delete(nextToYield++)
          host.progress()
          yield outcome
          if (options.signal?.aborted) break
        }
      } else {
        for (const [index, outcome] of ready) {
          ready.delete(index)
          host.progress()
          yield outcome
          if (options.signal?.aborted) break
        }
      }
      if (exhausted && pending.size === 0 && ready.size === 0) return
      if (finished.size > 0 || (!exhausted && outstanding() < options.window)) continue
      const delay = nextPollAt - Date.now()
      if (delay > 0) {
        let timer: NodeJS.Timeout | undefined
        await new Promise<void>((resolve) => {
          wake = resolve
          timer = setTimeout(resolve, delay)
        })
        wake = undefined
        clearTimeout(timer)
      }
      if (finished.size > 0 || stop.aborted || Date.now() < nextPollAt) continue
      // Poll every outstanding job (two fields each, one round trip) and read the finished or lost
      // ones; when one had finished unseen, poll again at once (a restarted producer finds a window
      // full of finished jobs), otherwise after `pollInterval`.
      const entries = [...pending.values()]
      const presence = await until(
        presenceOf(
          host.client(),
          host.bull,
          entries.map((e) => e.id),
        ).catch(() => entries.map(() => 'open' as const)),
      )
      const found = await until(Promise.all(entries.filter((_, i) => presence[i] !== 'open').map(check)))
      nextPollAt = found.includes(true) ? 0 : Date.now() + options.pollInterval
    }
  } catch (error) {
    throw stopped(host, options.signal, error)
  } finally {
    unsubscribe()
    stop.removeEventListener('abort', onAbort)
    host.stats.queued -= pending.size
    if (!exhausted) await source.iterator.return?.()
  }
}
