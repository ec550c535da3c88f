import { PipelineError } from './errors'
import type { Spill } from './spill'
import type { StatsTracker } from './stats'
import type { Outcome, RejectedOutcome, Stage } from './types'

/** The two stages as a run sees them; built once per pipeline (see pipeline.ts). */
export interface Stages<I, F, R> {
  fetch(item: I, index: number, signal: AbortSignal, onAttempt: (attempt: number) => void): Promise<F>
  process(data: unknown, item: I, index: number, signal: AbortSignal): Promise<R>
  processConcurrency: number
  buffer: number
  ordered: boolean
  spill: Spill | undefined
  stats: StatsTracker
}

interface Fetched<I> {
  index: number
  item: I
  data: unknown
  spilledPath: string | undefined
  attempts: number
  fetchMs: number
  fetchedAt: number
}

/**
 * One pass of a pipeline over its items. Items are pulled only while a buffer slot is free (a fetch
 * reserves its slot when it starts and gives it back when the process stage takes the payload), so
 * at most `buffer` payloads are fetched or being fetched ahead of the process stage, and at most
 * `buffer + processConcurrency` items are between the input and the consumer at any time.
 */
export class Run<I, F, R> {
  private nextIndex = 0
  private sourceDone = false
  private pulling = false
  private sourceError: unknown
  private reserved = 0
  private processing = 0
  /** Pulled and not yet handed to the consumer. */
  private pending = 0
  /** Pulled and without an outcome yet. */
  private inFlight = 0
  private readonly waiting: Fetched<I>[] = []
  private readonly readyList: Outcome<I, R>[] = []
  private readonly readyByIndex = new Map<number, Outcome<I, R>>()
  private nextToYield = 0
  private wake: (() => void) | undefined
  private readonly idleWaiters: (() => void)[] = []
  private readonly window: number

  constructor(
    private readonly source: Iterator<I> | AsyncIterator<I>,
    private readonly stages: Stages<I, F, R>,
    private readonly signal: AbortSignal,
  ) {
    this.window = stages.buffer + stages.processConcurrency
    signal.addEventListener(
      'abort',
      () => {
        this.pump()
        this.wakeUp()
      },
      { once: true },
    )
  }

  async *outcomes(): AsyncGenerator<Outcome<I, R>, void, undefined> {
    this.pump()
    while (true) {
      const next = this.takeReady()
      if (next) {
        this.pending--
        yield next
        this.pump()
        continue
      }
      if (this.isIdle() && (this.sourceDone || this.signal.aborted)) break
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
    }
    if (this.sourceError !== undefined) {
      throw new PipelineError('ERR_SOURCE_FAILED', 'The items iterable threw', { cause: this.sourceError })
    }
    if (this.signal.aborted) {
      throw new PipelineError('ERR_ABORTED', 'The pipeline run was aborted', { cause: this.signal.reason })
    }
  }

  /** Resolves once no item is in either stage (used after an abort or an early stop). */
  settled(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Lets the input iterable clean up when the run ends before it does. */
  async closeSource(): Promise<void> {
    if (!this.sourceDone) {
      this.sourceDone = true
      await this.source.return?.()
    }
  }

  private takeReady(): Outcome<I, R> | undefined {
    if (!this.stages.ordered) return this.readyList.shift()
    const next = this.readyByIndex.get(this.nextToYield)
    if (next) {
      this.readyByIndex.delete(this.nextToYield)
      this.nextToYield++
    }
    return next
  }

  private pump(): void {
    const { buffer, processConcurrency } = this.stages
    while (
      !this.pulling &&
      !this.sourceDone &&
      !this.signal.aborted &&
      this.reserved < buffer &&
      this.pending < this.window
    ) {
      let result: IteratorResult<I> | Promise<IteratorResult<I>>
      try {
        result = this.source.next()
      } catch (error) {
        this.failSource(error)
        break
      }
      if (result instanceof Promise) {
        this.pulling = true
        result.then(
          (settled) => {
            this.pulling = false
            this.accept(settled)
            this.pump()
          },
          (error: unknown) => {
            this.pulling = false
            this.failSource(error)
          },
        )
        break
      }
      this.accept(result)
    }
    if (this.signal.aborted) {
      for (const entry of this.waiting.splice(0)) this.abandon(entry)
    }
    while (this.waiting.length > 0 && this.processing < processConcurrency)
      this.startProcess(this.waiting.shift()!)
    this.notifyIfIdle()
  }

  private accept(result: IteratorResult<I>): void {
    if (result.done) {
      this.sourceDone = true
      this.wakeUp()
      return
    }
    const index = this.nextIndex++
    if (this.signal.aborted) {
      // Pulled while the abort landed: it still gets its one outcome.
      this.pending++
      this.inFlight++
      this.finish(this.rejected(index, result.value, 'fetch', this.abortError(), 0, 0))
      return
    }
    this.startFetch(index, result.value)
  }

  private failSource(error: unknown): void {
    this.sourceError = error
    this.sourceDone = true
    this.wakeUp()
    this.notifyIfIdle()
  }

  private startFetch(index: number, item: I): void {
    const { stats } = this.stages
    this.reserved++
    this.pending++
    this.inFlight++
    stats.add('started', 1)
    stats.add('fetching', 1)
    const started = performance.now()
    let attempts = 0
    const onAttempt = (attempt: number) => {
      attempts = attempt
      if (attempt > 1) stats.add('retried', 1)
    }
    this.stages.fetch(item, index, this.signal, onAttempt).then(
      async (payload) => {
        const fetchMs = performance.now() - started
        let spilledPath: string | undefined
        try {
          spilledPath = this.stages.spill ? await this.stages.spill.write(index, payload) : undefined
        } catch (error) {
          stats.add('fetching', -1)
          this.reserved--
          this.finish(this.rejected(index, item, 'fetch', error, attempts, fetchMs))
          return
        }
        stats.add('fetching', -1)
        stats.add('fetched', 1)
        stats.add('buffered', 1)
        const data = spilledPath ?? payload
        this.waiting.push({ index, item, data, spilledPath, attempts, fetchMs, fetchedAt: performance.now() })
        this.pump()
      },
      (error: unknown) => {
        stats.add('fetching', -1)
        this.reserved--
        const made = attemptsOf(error) ?? attempts
        this.finish(this.rejected(index, item, 'fetch', error, made, performance.now() - started))
        this.pump()
      },
    )
  }

  private startProcess(entry: Fetched<I>): void {
    const { stats } = this.stages
    this.reserved--
    this.processing++
    stats.add('buffered', -1)
    stats.add('processing', 1)
    const begun = performance.now()
    const waitMs = begun - entry.fetchedAt
    const settle = (outcome: Outcome<I, R>) => {
      this.processing--
      stats.add('processing', -1)
      if (entry.spilledPath) void this.stages.spill?.remove(entry.spilledPath)
      this.finish(outcome)
      this.pump()
    }
    this.stages.process(entry.data, entry.item, entry.index, this.signal).then(
      (value) =>
        settle({
          index: entry.index,
          item: entry.item,
          status: 'fulfilled',
          value,
          stage: 'process',
          attempts: entry.attempts,
          timings: { fetchMs: entry.fetchMs, waitMs, processMs: performance.now() - begun },
        }),
      (error: unknown) => {
        const outcome = this.rejected(
          entry.index,
          entry.item,
          'process',
          error,
          entry.attempts,
          entry.fetchMs,
        )
        outcome.timings.waitMs = waitMs
        outcome.timings.processMs = performance.now() - begun
        settle(outcome)
      },
    )
  }

  /** A fetched payload the process stage will never take, because the run was aborted. */
  private abandon(entry: Fetched<I>): void {
    this.reserved--
    this.stages.stats.add('buffered', -1)
    if (entry.spilledPath) void this.stages.spill?.remove(entry.spilledPath)
    const outcome = this.rejected(
      entry.index,
      entry.item,
      'process',
      this.abortError(),
      entry.attempts,
      entry.fetchMs,
    )
    outcome.timings.waitMs = performance.now() - entry.fetchedAt
    this.finish(outcome)
  }

  private rejected(
    index: number,
    item: I,
    stage: Stage,
    cause: unknown,
    attempts: number,
    fetchMs: number,
  ): RejectedOutcome<I> {
    return {
      index,
      item,
      status: 'rejected',
      error: this.stageError(stage, cause),
      stage,
      attempts,
      timings: { fetchMs, waitMs: 0, processMs: 0 },
    }
  }

  private stageError(stage: Stage, cause: unknown): PipelineError {
    if (cause instanceof PipelineError && cause.code === 'ERR_ABORTED') return cause
    if (this.signal.aborted) {
      return new PipelineError('ERR_ABORTED', `Aborted in the ${stage} stage`, { cause })
    }
    const message = cause instanceof Error ? cause.message : String(cause)
    return stage === 'fetch'
      ? new PipelineError('ERR_FETCH_FAILED', `Fetch failed: ${message}`, { cause })
      : new PipelineError('ERR_PROCESS_FAILED', `Process failed: ${message}`, { cause })
  }

  private abortError(): PipelineError {
    return new PipelineError('ERR_ABORTED', 'The pipeline run was aborted before this item finished', {
      cause: this.signal.reason,
    })
  }

  private finish(outcome: Outcome<I, R>): void {
    this.inFlight--
    this.stages.stats.add('done', 1)
    if (outcome.status === 'rejected') this.stages.stats.add('failed', 1)
    if (this.stages.ordered) this.readyByIndex.set(outcome.index, outcome)
    else this.readyList.push(outcome)
    this.wakeUp()
    this.notifyIfIdle()
  }

  private wakeUp(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** No item in a stage, and no pull pending (a pull stuck in the input does not hold up an abort). */
  private isIdle(): boolean {
    return this.inFlight === 0 && (!this.pulling || this.signal.aborted)
  }

  private notifyIfIdle(): void {
    if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve()
  }
}

function attemptsOf(error: unknown): number | undefined {
  const attempts = (error as { attempts?: unknown } | null)?.attempts
  return typeof attempts === 'number' ? attempts : undefined
}
