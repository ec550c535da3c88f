import { createLimiter, type Limiter } from '@boundkit/limiter'
import { createPool } from '@boundkit/pool'
import { invalidOption } from './errors'
import type { PipelineProcessPool, ResolvedPipelineOptions, ResolvedProcess } from './options'
import type { PipelineStage } from './outcome'
import { Spill } from './spill'
import type { StatsTracker } from './stats'

/** The two stages and the settings a run needs; built once per pipeline. */
export interface Stages<I, R> {
  /** Fetches one item through the limiter; `onAttempt` hears of each attempt as it starts. */
  fetch(item: I, index: number, signal: AbortSignal, onAttempt: (attempt: number) => void): Promise<unknown>
  /** Processes one fetched payload (or its spilled file's path). */
  process(data: unknown, item: I, index: number, signal: AbortSignal): Promise<R>
  processConcurrency: number
  buffer: number
  ordered: boolean
  spill: Spill | undefined
  stats: StatsTracker
  /** Releases what the stages hold: the limiter, a pool the pipeline created, a remote stage. */
  close(): Promise<void>
}

export function createStages<I, F, R>(
  options: ResolvedPipelineOptions<I, F, R>,
  stats: StatsTracker,
): Stages<I, R> {
  const { fetch } = options
  const limiter = fetchLimiter(options)
  const process = processRunner<I, F, R>(options.process)
  const spill = options.spillDir === undefined ? undefined : new Spill(options.spillDir)
  return {
    fetch: async (item, index, signal, onAttempt) =>
      limiter.run(
        ({ signal: attemptSignal, attempt }) => {
          onAttempt(attempt)
          return fetch.run(item, { signal: attemptSignal, attempt, index })
        },
        { signal },
      ),
    process: process.run,
    processConcurrency: options.process.concurrency,
    buffer: options.buffer,
    ordered: options.ordered,
    spill,
    stats,
    close: async () => {
      await Promise.all([limiter.close(), process.close()])
      await spill?.close()
    },
  }
}

function fetchLimiter<I, F, R>(options: ResolvedPipelineOptions<I, F, R>): Limiter {
  const { fetch } = options
  return built('fetch', () =>
    createLimiter({
      concurrency: options.fetchConcurrency,
      rate: fetch.rate,
      retry: fetch.retry,
      cooldown: fetch.cooldown,
      timeout: Number.isFinite(options.fetchTimeout) ? options.fetchTimeout : undefined,
    }),
  )
}

function processRunner<I, F, R>(
  process: ResolvedProcess<I, F, R>,
): { run: Stages<I, R>['process']; close: () => Promise<void> } {
  if (process.kind === 'run') {
    const { stage } = process
    return {
      run: async (data, item, index, signal) => stage.run(data as F, { item, index, signal }),
      close: async () => undefined,
    }
  }
  if (process.kind === 'remote') {
    const { stage } = process
    return {
      run: async (data, item, index, signal) => stage.run(data as F, { item, index, signal }),
      close: async () => stage.close?.(),
    }
  }
  if (process.kind === 'pool') return poolRunner(process.stage.pool, process.stage.task, async () => {})
  // A pool made from a worker file is the pipeline's own: it closes with the pipeline.
  const { stage } = process
  const pool = built('process', () =>
    createPool({
      worker: stage.worker,
      threads: process.threads,
      ...(stage.initData === undefined ? {} : { initData: stage.initData }),
    }),
  )
  return poolRunner(pool, stage.task, () => pool.close())
}

function poolRunner<I, R>(
  pool: PipelineProcessPool,
  task: string,
  close: () => Promise<void>,
): { run: Stages<I, R>['process']; close: () => Promise<void> } {
  return {
    run: async (data, _item, _index, signal) =>
      (await pool.run(task, data, { signal, transfer: 'auto' })) as R,
    close,
  }
}

/**
 * Builds a stage's engine (the limiter, a pool). They check the options passed through to them; such
 * an error is reported as this package's `ERR_INVALID_OPTION`, under the stage's name.
 */
function built<T>(stage: PipelineStage, build: () => T): T {
  try {
    return build()
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_INVALID_OPTION') throw error
    return invalidOption(`${stage}: ${(error as Error).message}`)
  }
}
