/**
 * One `distribute` call: pulls items lazily while fewer than `window` are outstanding, adds each as a
 * job whose id is made from its key, and turns finished jobs into outcomes. A finish is seen through
 * BullMQ's events (fast) and through a check of the outstanding jobs in Redis every `pollInterval`
 * (robust: it catches events missed during a reconnect, jobs that had finished before this producer
 * started, and jobs a restarted Redis lost, which it adds again).
 */
import { itemIterator } from '@boundkit/internal'
import { QueueError } from './errors'
import type { ResolvedDistributeOptions } from './options'
import { type DistributionHost, OutstandingJobs, type QueueOutcome } from './outstanding-jobs'

export type { DistributionHost, QueueKey, QueueOutcome } from './outstanding-jobs'

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
  // Stopped by the caller's signal or by the queue's close: every wait on Redis ends then.
  const stop = options.signal ? AbortSignal.any([options.signal, host.closing]) : host.closing
  const jobs = new OutstandingJobs<T, R>(host, source, options, stop)
  const unsubscribe = host.onFinished((id) => jobs.heard(id))
  const onAbort = () => jobs.wake()
  stop.addEventListener('abort', onAbort)
  try {
    for (;;) {
      await jobs.fill()
      if (options.signal?.aborted) {
        throw new QueueError('ERR_ABORTED', 'The distribution was aborted', { cause: options.signal.reason })
      }
      if (host.closed()) throw new QueueError('ERR_CLOSED', 'The queue was closed')
      await jobs.checkHeard()
      for (const outcome of jobs.takeReady()) {
        host.progress()
        yield outcome
        if (options.signal?.aborted) break
      }
      if (jobs.done) return
      if (jobs.canGoOn) continue
      await jobs.untilPoll()
      if (jobs.heardAny || stop.aborted || !jobs.pollDue) continue
      await jobs.poll()
    }
  } catch (error) {
    throw stopped(host, options.signal, error)
  } finally {
    unsubscribe()
    stop.removeEventListener('abort', onAbort)
    host.stats.queued -= jobs.pending
    if (!jobs.exhausted) await source.iterator.return?.()
  }
}
