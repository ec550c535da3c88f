import { availableParallelism } from 'node:os'
import { booleanOption, expected, functionOption, numberOption, signalOption } from '@boundkit/internal'
import { invalidOption } from './errors'
import type {
  FetchStage,
  PipelineOptions,
  PipelineProgress,
  PoolProcessStage,
  RunProcessStage,
  WorkerProcessStage,
} from './types'

export type ProcessKind<I, F, R> =
  | { kind: 'pool'; stage: PoolProcessStage; concurrency: number }
  | { kind: 'worker'; stage: WorkerProcessStage; concurrency: number }
  | { kind: 'run'; stage: RunProcessStage<I, F, R>; concurrency: number }

export interface ResolvedOptions<I, F, R> {
  fetch: FetchStage<I, F>
  fetchConcurrency: number
  process: ProcessKind<I, F, R>
  buffer: number
  ordered: boolean
  spillDir: string | undefined
  signal: AbortSignal | undefined
  onProgress: ((progress: PipelineProgress) => void) | undefined
}

const positiveInteger = { integer: true, min: 1 }

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object'
}

function resolveProcess<I, F, R>(value: unknown): ProcessKind<I, F, R> {
  if (!isObject(value))
    invalidOption(expected('process', 'an object: { pool, task }, { worker, task } or { run }', value))
  const concurrency = (fallback: number) =>
    numberOption(invalidOption, 'process.concurrency', value.concurrency, positiveInteger, fallback)
  if ('run' in value) {
    functionOption(invalidOption, 'process.run', value.run)
    return { kind: 'run', stage: value as unknown as RunProcessStage<I, F, R>, concurrency: concurrency(1) }
  }
  if (typeof value.task !== 'string' || value.task === '') {
    invalidOption(expected('process.task', 'the name of a task in the worker file', value.task))
  }
  if ('pool' in value) {
    const pool = value.pool as { run?: unknown; threads?: unknown } | undefined
    if (!isObject(pool) || typeof pool.run !== 'function') {
      invalidOption(expected('process.pool', 'a pool from @boundkit/pool', pool))
    }
    const threads = typeof pool.threads === 'number' ? pool.threads : availableParallelism()
    return { kind: 'pool', stage: value as unknown as PoolProcessStage, concurrency: concurrency(threads) }
  }
  if ('worker' in value) {
    if (typeof value.worker !== 'string' && !(value.worker instanceof URL)) {
      invalidOption(expected('process.worker', 'a path or file URL', value.worker))
    }
    const threads = numberOption(
      invalidOption,
      'process.threads',
      value.threads,
      positiveInteger,
      availableParallelism(),
    )
    return {
      kind: 'worker',
      stage: value as unknown as WorkerProcessStage,
      concurrency: concurrency(threads),
    }
  }
  return invalidOption(expected('process', 'an object with `pool`, `worker` or `run`', value))
}

/** Checks every option once, at construction, and fills in the defaults. */
export function resolveOptions<I, F, R>(options: PipelineOptions<I, F, R>): ResolvedOptions<I, F, R> {
  if (!isObject(options)) invalidOption(expected('options', 'an object', options))
  const fetch = options.fetch
  if (!isObject(fetch)) invalidOption(expected('fetch', 'an object with a `run` function', fetch))
  if (typeof fetch.run !== 'function') invalidOption(expected('fetch.run', 'a function', fetch.run))
  const fetchConcurrency = numberOption(
    invalidOption,
    'fetch.concurrency',
    fetch.concurrency,
    positiveInteger,
    8,
  )
  const process = resolveProcess<I, F, R>(options.process)
  const buffer = numberOption(
    invalidOption,
    'buffer',
    options.buffer,
    positiveInteger,
    Math.max(fetchConcurrency, 2 * process.concurrency),
  )
  const spill = options.spill
  if (spill !== undefined && (!isObject(spill) || typeof spill.dir !== 'string' || spill.dir === '')) {
    invalidOption(expected('spill', 'an object { dir: string }', spill))
  }
  return {
    fetch,
    fetchConcurrency,
    process,
    buffer,
    ordered: booleanOption(invalidOption, 'ordered', options.ordered, false),
    spillDir: spill?.dir,
    signal: signalOption(invalidOption, 'signal', options.signal),
    onProgress: functionOption(invalidOption, 'onProgress', options.onProgress),
  }
}
