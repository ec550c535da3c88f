import { PipelineError } from './errors'
import {
  type PipelineOutcome,
  type PipelineRejectedOutcome,
  type PipelineStage,
  type PipelineTimings,
  stageError,
} from './outcome'
import { ReadyOutcomes } from './ready'
import type { Stages } from './stages'
import type { StatsChange } from './stats'

/** A fetched item waiting for the process stage. */
interface Fetched<I> {
  index: number
  item: I
  /** The payload, or the path of its spilled file. */
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
 * Every change of state is one `stats.change(...)`: progress listeners never see half of one.
 */
export class Run<I, R> {
  readonly #source: Iterator<I> | AsyncIterator<I>
  readonly #stages: Stages<I, R>
  readonly #signal: AbortSignal
  readonly #window: number
  readonly #ready: ReadyOutcomes<PipelineOutcome<I, R>>
  readonly #waiting: Fetched<I>[] = []
  readonly #idleWaiters: (() => void)[] = []
  #nextIndex = 0
  #sourceDone = false
  #pulling = false
  /** Set when the input threw, whatever it threw (`undefined` included). */
  #sourceFailure: { error: unknown } | undefined
  #reserved = 0
  #processing = 0
  /** Pulled and not yet handed to the consumer. */
  #pending = 0
  /** Pulled and without an outcome yet. */
  #inFlight = 0
  #wake: (() => void) | undefined

  constructor(source: Iterator<I> | AsyncIterator<I>, stages: Stages<I, R>, signal: AbortSignal) {
    this.#source = source
    this.#stages = stages
    this.#signal = signal
    this.#window = stages.buffer + stages.processConcurrency
    this.#ready = new ReadyOutcomes(stages.ordered)
    signal.addEventListener(
      'abort',
      () => {
        this.#pump()
        this.#wakeUp()
      },
      { once: true },
    )
  }

  async *outcomes(): AsyncGenerator<PipelineOutcome<I, R>, void, undefined> {
    this.#pump()
    while (true) {
      const next = this.#ready.take()
      if (next) {
        this.#pending--
        yield next
        this.#pump()
        continue
      }
      if (this.#isIdle() && (this.#sourceDone || this.#signal.aborted)) break
      await new Promise<void>((resolve) => {
        this.#wake = resolve
      })
    }
    if (this.#sourceFailure) {
      const { error } = this.#sourceFailure
      throw new PipelineError('ERR_SOURCE_FAILED', 'The items iterable threw', { cause: error })
    }
    if (this.#signal.aborted) {
      throw new PipelineError('ERR_ABORTED', 'The pipeline run was aborted', { cause: this.#signal.reason })
    }
  }

  /** Resolves once no item is in either stage (used after an abort or an early stop). */
  settled(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Lets the input iterable clean up when the run ends before it does. */
  async closeSource(): Promise<void> {
    if (!this.#sourceDone) {
      this.#sourceDone = true
      await this.#source.return?.()
    }
  }

  #pump(): void {
    const { buffer, processConcurrency } = this.#stages
    while (
      !this.#pulling &&
      !this.#sourceDone &&
      !this.#signal.aborted &&
      this.#reserved < buffer &&
      this.#pending < this.#window
    ) {
      let result: IteratorResult<I> | Promise<IteratorResult<I>>
      try {
        result = this.#source.next()
      } catch (error) {
        this.#failSource(error)
        break
      }
      if (result instanceof Promise) {
        this.#pulling = true
        result.then(
          (settled) => {
            this.#pulling = false
            this.#accept(settled)
            this.#pump()
          },
          (error: unknown) => {
            this.#pulling = false
            this.#failSource(error)
          },
        )
        break
      }
      this.#accept(result)
    }
    if (this.#signal.aborted) {
      for (const entry of this.#waiting.splice(0)) void this.#abandon(entry)
    }
    while (this.#waiting.length > 0 && this.#processing < processConcurrency)
      this.#startProcess(this.#waiting.shift()!)
    this.#notifyIfIdle()
  }

  #accept(result: IteratorResult<I>): void {
    if (result.done) {
      this.#sourceDone = true
      this.#wakeUp()
      return
    }
    const index = this.#nextIndex++
    this.#pending++
    this.#inFlight++
    if (this.#signal.aborted) {
      // Pulled while the abort landed: it still gets its one outcome.
      const outcome = this.#rejected(index, result.value, 'fetch', this.#abortError(), 0, timings(0))
      this.#finish(outcome, { started: 1, fetchFailed: 1 })
      return
    }
    this.#startFetch(index, result.value)
  }

  #failSource(error: unknown): void {
    this.#sourceFailure = { error }
    this.#sourceDone = true
    this.#wakeUp()
    this.#notifyIfIdle()
  }

  #startFetch(index: number, item: I): void {
    const { stats, spill } = this.#stages
    this.#reserved++
    stats.change({ started: 1, fetching: 1 })
    const started = performance.now()
    let attempts = 0
    const onAttempt = (attempt: number) => {
      attempts = attempt
      if (attempt > 1) stats.change({ retried: 1 })
    }
    const failed = (error: unknown, made: number) => {
      this.#reserved--
      const outcome = this.#rejected(index, item, 'fetch', error, made, timings(performance.now() - started))
      this.#finish(outcome, { fetching: -1, fetchFailed: 1 })
      this.#pump()
    }
    this.#stages.fetch(item, index, this.#signal, onAttempt).then(
      async (payload) => {
        const fetchMs = performance.now() - started
        let spilledPath: string | undefined
        try {
          spilledPath = spill ? await spill.write(index, payload) : undefined
        } catch (error) {
          return failed(error, attempts)
        }
        stats.change({ fetching: -1, fetched: 1, buffered: 1 })
        const data = spilledPath ?? payload
        this.#waiting.push({
          index,
          item,
          data,
          spilledPath,
          attempts,
          fetchMs,
          fetchedAt: performance.now(),
        })
        this.#pump()
      },
      (error: unknown) => failed(error, attemptsOf(error) ?? attempts),
    )
  }

  #startProcess(entry: Fetched<I>): void {
    this.#reserved--
    this.#processing++
    this.#stages.stats.change({ buffered: -1, processing: 1 })
    const begun = performance.now()
    const waitMs = begun - entry.fetchedAt
    const spent = (): PipelineTimings => ({
      fetchMs: entry.fetchMs,
      waitMs,
      processMs: performance.now() - begun,
    })
    const settle = async (outcome: PipelineOutcome<I, R>) => {
      await this.#removeSpilled(entry)
      this.#processing--
      this.#finish(outcome, { processing: -1 })
      this.#pump()
    }
    const { index, item, attempts } = entry
    this.#stages.process(entry.data, item, index, this.#signal).then(
      (value) =>
        void settle({
          index,
          item,
          status: 'fulfilled',
          value,
          stage: 'process',
          attempts,
          timings: spent(),
        }),
      (error: unknown) => void settle(this.#rejected(index, item, 'process', error, attempts, spent())),
    )
  }

  /** A fetched payload the process stage will never take, because the run was aborted. */
  async #abandon(entry: Fetched<I>): Promise<void> {
    this.#reserved--
    const waited = timings(entry.fetchMs, performance.now() - entry.fetchedAt)
    const { index, item, attempts } = entry
    const outcome = this.#rejected(index, item, 'process', this.#abortError(), attempts, waited)
    await this.#removeSpilled(entry)
    this.#finish(outcome, { buffered: -1 })
  }

  /** An item's spilled file goes before its outcome does: a consumer never sees a finished item's file. */
  async #removeSpilled(entry: Fetched<I>): Promise<void> {
    if (entry.spilledPath) await this.#stages.spill?.remove(entry.spilledPath)
  }

  #rejected(
    index: number,
    item: I,
    stage: PipelineStage,
    cause: unknown,
    attempts: number,
    spent: PipelineTimings,
  ): PipelineRejectedOutcome<I> {
    const error = stageError(stage, cause, this.#signal)
    return { index, item, status: 'rejected', error, stage, attempts, timings: spent }
  }

  #abortError(): PipelineError {
    return new PipelineError('ERR_ABORTED', 'The pipeline run was aborted before this item finished', {
      cause: this.#signal.reason,
    })
  }

  /** The item's outcome, with the state change that ends it counted as one change with `done`. */
  #finish(outcome: PipelineOutcome<I, R>, change: StatsChange): void {
    this.#inFlight--
    this.#stages.stats.change({ ...change, done: 1, failed: outcome.status === 'rejected' ? 1 : 0 })
    this.#ready.add(outcome)
    this.#wakeUp()
    this.#notifyIfIdle()
  }

  #wakeUp(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  /** No item in a stage, and no pull pending (a pull stuck in the input does not hold up an abort). */
  #isIdle(): boolean {
    return this.#inFlight === 0 && (!this.#pulling || this.#signal.aborted)
  }

  #notifyIfIdle(): void {
    if (this.#isIdle()) for (const resolve of this.#idleWaiters.splice(0)) resolve()
  }
}

function timings(fetchMs: number, waitMs = 0): PipelineTimings {
  return { fetchMs, waitMs, processMs: 0 }
}

function attemptsOf(error: unknown): number | undefined {
  const attempts = (error as { attempts?: unknown } | null)?.attempts
  return typeof attempts === 'number' ? attempts : undefined
}
