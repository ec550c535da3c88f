/**
 * The producer of `batch --redis` and `llm --redis`: each record becomes an `http` job of the queue
 * (its id made from the output file and the record's key), workers make the requests, and the jobs'
 * outcomes come back in input order for the runner's writer. Loaded only with `--redis`.
 */
import { createHash } from 'node:crypto'
import { resolve } from 'node:path'
import type { Outcome } from '@boundkit/limiter'
import {
  createQueue,
  type HttpJobData,
  type HttpJobResult,
  type QueueClusterCounts,
  redactUrl,
} from '@boundkit/queue'
import { HttpError } from '../http'
import type { RedisSettings } from '../queue/settings'
import type { OutputStream } from '../terminal'
import type { RecordKey } from './input/key-sets'

/** Outcomes not yet written, at most: bounds the jobs in Redis and the reorder buffer. */
const WINDOW = 1000

/** What `batch` or `llm` hands over to run its records on the queue. */
export interface DistributedRun<A> {
  redis: RedisSettings
  /** Attempts per job, the first included (BullMQ retries it, with an exponential backoff from 1 s). */
  attempts: number
  /** The cluster's rate (the queue's global rate in Redis); none removes an earlier run's. */
  rate: { max: number; duration: number } | undefined
  /** The record's request, without secrets: the workers add their own headers. */
  request(record: { key: RecordKey; text: string; record: unknown; line: number }): HttpJobData
  /** What the worker got, as the value the local request would have given. */
  answer(result: HttpJobResult): A
}

/** What to do with a key's earlier job before adding it: nothing, or remove it if it finished / failed. */
export type Replace = 'finished' | 'failed' | undefined

interface Item {
  key: RecordKey
  text: string
  record: unknown
  line: number
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

/** The queue of a distributed run, connected (or `ERR_REDIS_UNREACHABLE`, the password hidden). */
export async function openDistribution<A>(run: DistributedRun<A>, out: string, stderr: OutputStream) {
  const queue = createQueue({ connection: run.redis.url, name: run.redis.queue })
  queue.on('error', (error) => stderr.write(`Redis: ${error.message}\n`))
  let atStart: QueueClusterCounts
  try {
    await queue.setRate(run.rate)
    atStart = await queue.clusterCounts()
  } catch (error) {
    await queue.close()
    throw error
  }
  // Job ids are the record's key under this output file: a restarted producer (--resume) finds its
  // jobs again, and another run's records with the same keys never meet them.
  const scope = createHash('sha256').update(resolve(out)).digest('hex').slice(0, 12)
  const keyOf = (key: RecordKey) => `${scope}.${key}`

  /** What the workers counted during this run (429s, pauses): the queue's counts less those at the start. */
  async function clusterCounts(): Promise<QueueClusterCounts> {
    const now = await queue.clusterCounts()
    return {
      rateLimited: now.rateLimited - atStart.rateLimited,
      cooldownMs: now.cooldownMs - atStart.cooldownMs,
      tokenWaits: now.tokenWaits - atStart.tokenWaits,
      tokenWaitMs: now.tokenWaitMs - atStart.tokenWaitMs,
    }
  }
  let reading: Promise<void> | undefined
  /** Whether a live page reads this run (then the queue is read once more before it closes). */
  let watched = false
  let lastReading = { inFlight: 0, queued: 0, rateLimited: 0 }
  /** Reads the jobs in Redis and this run's 429s for the page (a failed reading keeps the last). */
  const readRedis = () =>
    Promise.all([queue.jobCounts(), clusterCounts()])
      .then(([jobs, counts]) => {
        lastReading = {
          inFlight: jobs.active,
          queued: jobs.waiting + jobs.delayed,
          rateLimited: counts.rateLimited,
        }
      })
      .catch(() => {})
      .finally(() => {
        reading = undefined
      })

  return {
    /** The `--redis` URL without its password. */
    redactUrl,
    /**
     * Adds each item as a job (after removing its earlier job when `replace` says so) and yields
     * one outcome per item, in input order. `signal` stops adding; the call then throws `ERR_ABORTED`.
     */
    async *outcomes<T extends Item>(
      items: AsyncIterable<T>,
      options: {
        replace: (item: T) => Replace
        signal: AbortSignal
        onAdd: (item: T, index: number) => void
      },
    ): AsyncGenerator<Outcome<A>> {
      async function* prepared(): AsyncGenerator<T> {
        for await (const item of items) {
          const replace = options.replace(item)
          if (replace !== undefined) await queue.removeFinished(keyOf(item.key), replace)
          yield item
        }
      }
      for await (const outcome of queue.distribute<T, HttpJobResult>(prepared(), {
        key: (item) => keyOf(item.key),
        job: (item, index) => {
          options.onAdd(item, index)
          return { name: 'http', data: run.request(item) }
        },
        window: WINDOW,
        attempts: run.attempts,
        signal: options.signal,
      })) {
        const attempts = outcome.attempts ?? 0
        yield outcome.status === 'fulfilled'
          ? { index: outcome.index, status: 'fulfilled', value: run.answer(outcome.value), attempts }
          : { index: outcome.index, status: 'rejected', error: jobError(outcome.error), attempts }
      }
    },
    clusterCounts,
    /**
     * The live page's reading: jobs on a worker and waiting, this run's 429s, and each worker's
     * outcomes. Redis is read in the background: each call starts the next reading and returns the last.
     */
    live(): {
      inFlight: number
      queued: number
      rateLimited: number
      workers: { name: string; completed: number; failed: number }[]
    } {
      watched = true
      reading ??= readRedis()
      const workers = Object.entries(queue.stats().byWorker).map(([name, c]) => ({ name, ...c }))
      return { ...lastReading, workers }
    },
    /** Closes the queue; with a live page, after one last reading of Redis for its final state. */
    close: async () => {
      if (watched) {
        await reading
        await readRedis()
      }
      await queue.close()
    },
  }
}

export type Distribution<A> = Awaited<ReturnType<typeof openDistribution<A>>>
