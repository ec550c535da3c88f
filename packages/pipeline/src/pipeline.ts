import { setMaxListeners } from 'node:events'
import { asyncDispose, Emitter, expected, itemIterator, type Listener } from '@boundkit/internal'
import type { TaskInput, TaskName, TaskOutput, UntypedWorker } from '@boundkit/pool'
import { invalidOption, PipelineError } from './errors'
import { PIPELINE_EVENTS, type PipelineEvents } from './events'
import {
  type PipelineOptions,
  type PipelineRunOptions,
  resolvePipelineOptions,
  resolvePipelineRunOptions,
} from './options'
import type { PipelineOutcome } from './outcome'
import { Run } from './run'
import { createStages, type Stages } from './stages'
import { type PipelineStats, StatsTracker } from './stats'

/**
 * A two-stage pipeline: an I/O stage run through `@boundkit/limiter`, then a CPU stage on a pool of
 * `@boundkit/pool` (or in this thread), both busy at once, with a bounded buffer between them. `I` is
 * the input item, `F` the fetched payload, `R` the process stage's result.
 */
export class Pipeline<I, F = unknown, R = unknown> {
  readonly #stages: Stages<I, R>
  readonly #signal: AbortSignal | undefined
  readonly #events = new Emitter<PipelineEvents>(PIPELINE_EVENTS, invalidOption)
  readonly #stats = new StatsTracker((stats) => this.#events.emit('progress', stats))
  readonly #closing = new AbortController()
  readonly #active = new Set<Run<I, R>>()
  #closed: Promise<void> | undefined

  /** Checks every option (`ERR_INVALID_OPTION`); a worker stage starts its pool here. */
  constructor(options: PipelineOptions<I, F, R>) {
    const resolved = resolvePipelineOptions(options)
    this.#signal = resolved.signal
    this.#stages = createStages(resolved, this.#stats)
  }

  /**
   * Runs every item through both stages: one outcome per item, in completion order (input order
   * with `ordered`). Items are pulled lazily; leaving the loop early cancels what is in flight.
   */
  run(
    items: Iterable<I> | AsyncIterable<I>,
    options?: PipelineRunOptions,
  ): AsyncIterableIterator<PipelineOutcome<I, R>> {
    if (this.#closed) throw new PipelineError('ERR_CLOSED', 'The pipeline is closed')
    const { signal } = resolvePipelineRunOptions(options)
    const source = itemIterator(items)
    if (!source) invalidOption(expected('items', 'an array, an iterable or an async iterable', items))
    const signals = [this.#closing.signal, this.#signal, signal].filter(
      (given): given is AbortSignal => given !== undefined,
    )
    return this.#execute(source.iterator, signals)
  }

  /** Listens to `'progress'` (a fresh `stats()` after each change); returns the function that unsubscribes. */
  on<K extends keyof PipelineEvents>(event: K, listener: Listener<PipelineEvents[K]>): () => void {
    return this.#events.on(event, listener)
  }

  /** The counters and busy times since the pipeline was created, as a fresh object. */
  stats(): PipelineStats {
    return this.#stats.stats()
  }

  /**
   * Cancels active runs and waits for them, then closes the fetch limiter, a pool the pipeline
   * created, a remote stage and the spill folder. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close()
    return this.#closed
  }

  [asyncDispose](): Promise<void> {
    return this.close()
  }

  async #close(): Promise<void> {
    this.#closing.abort(new PipelineError('ERR_ABORTED', 'The pipeline was closed'))
    await Promise.all([...this.#active].map((run) => run.settled()))
    await this.#stages.close()
  }

  async *#execute(
    source: Iterator<I> | AsyncIterator<I>,
    signals: AbortSignal[],
  ): AsyncGenerator<PipelineOutcome<I, R>, void, undefined> {
    const controller = new AbortController()
    // Every fetch and process task in flight listens to this one signal; their number is bounded by
    // `buffer + process concurrency`, not leaking, so Node's default cap of 10 does not apply.
    setMaxListeners(0, controller.signal)
    const abort = (event?: Event) => controller.abort((event?.target as AbortSignal | undefined)?.reason)
    for (const signal of signals) {
      if (signal.aborted) controller.abort(signal.reason)
      else signal.addEventListener('abort', abort, { once: true })
    }
    const run = new Run(source, this.#stages, controller.signal)
    this.#active.add(run)
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
      this.#active.delete(run)
    }
  }
}

/** The process stage's result: a typed pool's task result, else `R`. */
type ProcessResult<R, W, K extends TaskName<W>> = [W] extends [UntypedWorker] ? R : TaskOutput<W, K>

/**
 * Creates a two-stage pipeline (as `new Pipeline(options)` does): an I/O stage run through
 * `@boundkit/limiter`, then a CPU stage on a pool of `@boundkit/pool` (or in this thread). The types
 * are inferred from the options: with a typed pool (`{ pool, task }`), the task name and the fetched
 * payload are checked against the worker and the outcomes carry the task's result type.
 */
export function createPipeline<
  I,
  F extends TaskInput<W, K> = never,
  R = unknown,
  W = UntypedWorker,
  K extends TaskName<W> = TaskName<W>,
>(options: PipelineOptions<I, F, R, W, K>): Pipeline<I, F, ProcessResult<R, W, K>> {
  // A typed pool stage is one of the stages a pipeline takes: only its types are narrower.
  return new Pipeline(options as PipelineOptions<I, F, ProcessResult<R, W, K>>)
}
