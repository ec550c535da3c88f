import { setMaxListeners } from 'node:events'
import { expected, itemIterator } from '@boundkit/internal'
import { createLimiter, type Limiter } from '@boundkit/limiter'
import { createPool } from '@boundkit/pool'
import { invalidOption, PipelineError } from './errors'
import { type ResolvedOptions, resolveOptions } from './options'
import { Run, type Stages } from './run'
import { Spill } from './spill'
import { StatsTracker } from './stats'
import { transferables } from './transfer'
import type { Outcome, Pipeline, PipelineOptions, PipelineProgress, PipelineStats, RunOptions } from './types'

/**
 * Creates a two-stage pipeline: an I/O stage run through @boundkit/limiter, then a CPU stage on a
 * @boundkit/pool pool (or in this thread), both busy at once, with a bounded buffer between them.
 */
export function createPipeline<I, F = unknown, R = unknown>(
  options: PipelineOptions<I, F, R>,
): Pipeline<I, R> {
  return new PipelineImpl(resolveOptions(options))
}

class PipelineImpl<I, F, R> implements Pipeline<I, R> {
  private readonly stages: Stages<I, F, R>
  private readonly closing = new AbortController()
  private readonly active = new Set<Run<I, F, R>>()
  private readonly closeProcess: () => Promise<void>
  private closed = false

  constructor(private readonly options: ResolvedOptions<I, F, R>) {
    const { fetch } = options
    let limiter: Limiter
    try {
      limiter = createLimiter({
        concurrency: options.fetchConcurrency,
        rate: fetch.rate,
        retry: fetch.retry,
        cooldown: fetch.cooldown,
        timeout: fetch.timeout,
      })
    } catch (error) {
      // The limiter checks the fetch options; report them as this package's, under the `fetch` stage.
      invalidOption(`fetch: ${(error as Error).message}`)
    }
    const process = this.processRunner()
    this.closeProcess = process.close
    this.stages = {
      fetch: (item, index, signal, onAttempt) =>
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
      spill: options.spillDir === undefined ? undefined : new Spill(options.spillDir),
      stats: new StatsTracker(options.onProgress),
    }
  }

  private processRunner(): {
    run: Stages<I, F, R>['process']
    close: () => Promise<void>
  } {
    const { process } = this.options
    if (process.kind === 'run') {
      const { stage } = process
      return {
        run: async (data, item, index, signal) => stage.run(data as F, { item, index, signal }),
        close: async () => undefined,
      }
    }
    const { task } = process.stage
    const pool =
      process.kind === 'pool'
        ? process.stage.pool
        : createPool({
            worker: process.stage.worker,
            threads: process.stage.threads ?? process.concurrency,
            ...(process.stage.initData === undefined ? {} : { initData: process.stage.initData }),
          })
    return {
      run: (data, _item, _index, signal) =>
        pool.run(task, data, { signal, transfer: transferables(data) }) as Promise<R>,
      close:
        process.kind === 'worker'
          ? () => (pool as ReturnType<typeof createPool>).destroy()
          : async () => undefined,
    }
  }

  run(
    items: Iterable<I> | AsyncIterable<I>,
    runOptions: RunOptions = {},
  ): AsyncIterableIterator<Outcome<I, R>> {
    if (this.closed) throw new PipelineError('ERR_CLOSED', 'The pipeline is closed')
    const source = itemIterator(items)
    if (!source) invalidOption(expected('items', 'an array, an iterable or an async iterable', items))
    const signals = [this.closing.signal, this.options.signal, runOptions.signal].filter(
      (signal): signal is AbortSignal => signal !== undefined,
    )
    return this.execute(source.iterator, signals)
  }

  private async *execute(
    source: Iterator<I> | AsyncIterator<I>,
    signals: AbortSignal[],
  ): AsyncGenerator<Outcome<I, R>, void, undefined> {
    const controller = new AbortController()
    // Every fetch and process task in flight listens to this one signal; their number is bounded by
    // `buffer + process concurrency`, not leaking, so Node's default cap of 10 does not apply.
    setMaxListeners(0, controller.signal)
    const abort = (event?: Event) => controller.abort((event?.target as AbortSignal | undefined)?.reason)
    for (const signal of signals) {
      if (signal.aborted) controller.abort(signal.reason)
      else signal.addEventListener('abort', abort, { once: true })
    }
    const run = new Run(source, this.stages, controller.signal)
    this.active.add(run)
    let finished = false
    try {
      yield* run.outcomes()
      finished = true
    } finally {
      for (const signal of signals) signal.removeEventListener('abort', abort)
      // The consumer stopped early (or a stage threw): cancel what is running and wait for it, so no
      // worker task or temporary file outlives the run.
      if (!finished) controller.abort(new PipelineError('ERR_ABORTED', 'The run was stopped before its end'))
      await run.settled()
      await run.closeSource()
      this.active.delete(run)
    }
  }

  progress(): PipelineProgress {
    return this.stages.stats.progress()
  }

  stats(): PipelineStats {
    return this.stages.stats.stats()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.closing.abort(new PipelineError('ERR_ABORTED', 'The pipeline was closed'))
    await Promise.all([...this.active].map((run) => run.settled()))
    await this.closeProcess()
    await this.stages.spill?.close()
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}
