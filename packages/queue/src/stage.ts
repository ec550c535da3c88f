/**
 * `queueStage`: @boundkit/pipeline's process stage on a queue. Each payload becomes a `pool` job (the
 * same worker file and task the in-process pool stage runs) whose result comes back to the pipeline,
 * so one pipeline definition runs in-process or distributed by swapping its `process` option.
 */
import { expected, functionOption, numberOption, optionsObject } from '@boundkit/internal'
import type { PipelineProcessContext, PipelineRemoteStage } from '@boundkit/pipeline'
import { invalidOption, QueueError } from './errors'
import { jobIdOf } from './job-id'
import { poolJob } from './jobs'
import { resolveDistributeOptions } from './options'
import type { Queue } from './queue'

/** Options of `queueStage`. */
export interface QueueStageOptions<I = unknown> {
  /** The `defineWorker` file, a path (resolved in each worker process's cwd) or a `file:` URL. */
  file: string | URL
  /** The task name in the file's `defineWorker({ tasks })`. */
  task: string
  /**
   * The item's key, unique in the queue: the job id is made from it, so a restarted run reads the
   * finished jobs' results instead of running them again. @default the item's index in the input
   */
  key?: (item: I, index: number) => string | number
  /** Jobs outstanding at once (integer >= 1): give at least the workers' total concurrency. @default 32 */
  concurrency?: number
  /** Attempts per job, the first included (integer >= 1). @default 3 */
  attempts?: number
  /** Milliseconds (>= 0) before a job's first retry, doubling at each next one (as `distribute`'s). @default 250 */
  backoff?: number
  /** Milliseconds (>= 1) between checks of the outstanding jobs in Redis. @default 1000 */
  pollInterval?: number
}

/** The pipeline's remote process stage on a queue; `close()` (the pipeline calls it) leaves the queue open. */
export class QueueStage<I = unknown, F = unknown, R = unknown> implements PipelineRemoteStage<I, F, R> {
  readonly remote = true
  readonly concurrency: number
  readonly #queue: Queue
  readonly #file: string
  readonly #task: string
  readonly #key: (item: I, index: number) => string | number
  readonly #jobOptions: { attempts?: number; backoff?: number; pollInterval?: number }
  /** Job ids in flight: two items of one run with the same key would wait on one job. */
  readonly #running = new Set<string>()
  #closed = false

  constructor(queue: Queue, options: QueueStageOptions<I>) {
    const given = optionsObject(invalidOption, options)
    if (typeof queue?.distribute !== 'function')
      invalidOption(expected('queue', 'a queue from createQueue', queue))
    const file = given.file
    if (!(file instanceof URL) && (typeof file !== 'string' || file === '')) {
      invalidOption(expected('file', 'a path or file URL', file))
    }
    if (typeof given.task !== 'string' || given.task === '') {
      invalidOption(expected('task', 'the name of a task in the worker file', given.task))
    }
    const key = functionOption<(item: I, index: number) => string | number>(invalidOption, 'key', given.key)
    const { attempts, backoff, pollInterval } = given
    // The job settings are `distribute`'s: checked by its own checks, once, here.
    resolveDistributeOptions({ key: () => 0, job: () => poolJob('', '', 0), attempts, backoff, pollInterval })
    this.concurrency = numberOption(
      invalidOption,
      'concurrency',
      given.concurrency,
      { integer: true, min: 1 },
      32,
    )
    this.#queue = queue
    this.#file = file instanceof URL ? file.href : (file as string)
    this.#task = given.task as string
    this.#key = key ?? ((_item, index) => index)
    this.#jobOptions = { attempts, backoff, pollInterval }
  }

  /** Adds the payload as the item's `pool` job (a no-op when its key's job exists) and waits for its result. */
  async run(data: F, { item, index, signal }: PipelineProcessContext<I>): Promise<R> {
    if (this.#closed) throw new QueueError('ERR_CLOSED', 'The queue stage is closed')
    const key = this.#key(item, index)
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new QueueError(
        'ERR_INVALID_OPTION',
        `Expected \`key\` to return a string or a number, got ${typeof key}`,
      )
    }
    const id = jobIdOf(key)
    if (this.#running.has(id)) {
      throw new QueueError('ERR_DUPLICATE_KEY', `Key ${JSON.stringify(key)} is given to two items in flight`)
    }
    this.#running.add(id)
    try {
      // A one-item distribution: its window, its re-add of a job Redis lost and its poll are reused as they are.
      const outcomes = this.#queue.distribute<F, R>([data], {
        ...this.#jobOptions,
        key: () => key,
        job: () => poolJob(this.#file, this.#task, data),
        window: 1,
        signal,
      })
      for await (const outcome of outcomes) {
        if (outcome.status === 'rejected') throw outcome.error
        return outcome.value
      }
      throw new QueueError('ERR_ABORTED', 'The distribution ended without an outcome')
    } finally {
      this.#running.delete(id)
    }
  }

  /** Refuses new payloads; the queue stays open (it is yours) and its jobs stay in Redis. */
  async close(): Promise<void> {
    this.#closed = true
  }
}

/**
 * A process stage for `@boundkit/pipeline` that runs each payload as a `pool` job on `queue`'s workers:
 * `createPipeline({ fetch, process: queueStage(queue, { file, task }) })` in place of `{ pool, task }`.
 */
export function queueStage<I = unknown, F = unknown, R = unknown>(
  queue: Queue,
  options: QueueStageOptions<I>,
): QueueStage<I, F, R> {
  return new QueueStage<I, F, R>(queue, options)
}
