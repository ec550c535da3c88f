import { availableParallelism } from 'node:os'
import type { ResourceLimits } from 'node:worker_threads'
import { expected, numberOption } from '@boundkit/internal'
import { invalidOption } from './errors'

/** Options of `createPool`. */
export interface PoolOptions {
  /** The worker file (a file URL or a path) whose export is `defineWorker({ tasks })`. */
  worker: string | URL
  /**
   * Worker threads the pool runs at most.
   * @default os.availableParallelism()
   */
  threads?: number
  /**
   * Tasks that may wait for a free worker; one more is rejected with `ERR_QUEUE_FULL`.
   * @default Infinity
   */
  maxQueue?: number
  /**
   * Milliseconds an idle worker lives before it exits (the pool then keeps one worker). Without it,
   * every worker starts at once and stays until `close()`.
   * @default Infinity
   */
  idleTimeout?: number
  /**
   * Handed to the worker's `init(data)` once per worker (structured-cloned).
   * @default undefined
   */
  initData?: unknown
  /**
   * Memory limits for each worker (Node's `resourceLimits`); a worker that exceeds them crashes
   * with `ERR_WORKER_CRASHED` and is replaced.
   * @default Node's defaults
   */
  resourceLimits?: ResourceLimits
  /**
   * Recycle a worker (start a fresh one) after it has run this many tasks: contains leaks.
   * @default Infinity
   */
  maxTasksPerWorker?: number
}

export interface ResolvedOptions {
  threads: number
  maxQueue: number
  idleTimeout: number
  maxTasksPerWorker: number
  resourceLimits: ResourceLimits | undefined
}

const LIMIT_KEYS = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb']

export function resolveOptions(options: PoolOptions): ResolvedOptions {
  const fail = invalidOption
  const threads = numberOption(
    fail,
    'threads',
    options.threads,
    { integer: true, min: 1 },
    availableParallelism(),
  )
  const maxQueue = numberOption(
    fail,
    'maxQueue',
    options.maxQueue,
    { integer: true, min: 0, allowInfinity: true },
    Number.POSITIVE_INFINITY,
  )
  const idleTimeout = numberOption(
    fail,
    'idleTimeout',
    options.idleTimeout,
    { min: 0, allowInfinity: true },
    Number.POSITIVE_INFINITY,
  )
  const maxTasksPerWorker = numberOption(
    fail,
    'maxTasksPerWorker',
    options.maxTasksPerWorker,
    { integer: true, min: 1, allowInfinity: true },
    Number.POSITIVE_INFINITY,
  )
  const limits = options.resourceLimits
  if (limits !== undefined) {
    if (limits === null || typeof limits !== 'object') fail(expected('resourceLimits', 'an object', limits))
    for (const [key, value] of Object.entries(limits)) {
      if (!LIMIT_KEYS.includes(key))
        fail(expected('resourceLimits', `keys among ${LIMIT_KEYS.join(', ')}`, key))
      numberOption(fail, `resourceLimits.${key}`, value, { min: 0 }, 0)
    }
  }
  return { threads, maxQueue, idleTimeout, maxTasksPerWorker, resourceLimits: limits }
}
