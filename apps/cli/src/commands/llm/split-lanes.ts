import type { Outcome } from '@boundkit/limiter'
import type { Executor, ExecutorHooks, ExecutorReading, Pending, RequestStats } from '../../run/executor'

/** The items of several async iterables as each comes; an error of one ends them all. */
async function* merged<T>(sources: readonly AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]())
  const pending = new Map<number, Promise<{ at: number; result: IteratorResult<T> }>>()
  const pull = (at: number) => {
    const next = (iterators[at] as AsyncIterator<T>).next()
    pending.set(
      at,
      next.then((result) => ({ at, result })),
    )
  }
  for (let at = 0; at < iterators.length; at++) pull(at)
  try {
    while (pending.size > 0) {
      const { at, result } = await Promise.race(pending.values())
      if (result.done) pending.delete(at)
      else {
        pull(at)
        yield result.value
      }
    }
  } finally {
    // Not awaited: a lane waiting for its batch would hold the caller until the batch ends.
    for (const at of pending.keys()) void iterators[at]?.return?.()?.catch(() => {})
  }
}

/**
 * `--deadline`: the records up to `throughLine` go to the batch lane, which takes them all at once and
 * creates its batch first; the records after it go to the live lane, started once the batch has taken
 * its own. The outcomes of both come as they come (the runner writes them in input order).
 */
export class SplitLanes<A> implements Executor<A> {
  readonly #batch: Executor<A>
  readonly #live: Executor<A>
  readonly #throughLine: number

  constructor(batch: Executor<A>, live: Executor<A>, throughLine: number) {
    this.#batch = batch
    this.#live = live
    this.#throughLine = throughLine
  }

  outcomes(items: AsyncIterable<Pending>, hooks: ExecutorHooks): AsyncIterable<Outcome<A>> {
    const source = items[Symbol.asyncIterator]()
    const throughLine = this.#throughLine
    let first: Pending | undefined
    let taken!: () => void
    const batchTaken = new Promise<void>((resolve) => {
      taken = resolve
    })
    async function* batchItems(): AsyncGenerator<Pending> {
      try {
        for (let next = await source.next(); !next.done; next = await source.next()) {
          if (next.value.line > throughLine) {
            first = next.value
            return
          }
          yield next.value
        }
      } finally {
        taken()
      }
    }
    // The live lane numbers its outcomes by its own items: each is given back its place in the run.
    const places = new Map<number, number>()
    let handed = 0
    async function* liveItems(): AsyncGenerator<Pending> {
      await batchTaken
      if (first !== undefined) {
        places.set(handed++, first.pos)
        yield first
      }
      for (let next = await source.next(); !next.done; next = await source.next()) {
        places.set(handed++, next.value.pos)
        yield next.value
      }
    }
    async function* liveOutcomes(outcomes: AsyncIterable<Outcome<A>>): AsyncGenerator<Outcome<A>> {
      for await (const outcome of outcomes) {
        const index = places.get(outcome.index) as number
        places.delete(outcome.index)
        yield { ...outcome, index }
      }
    }
    return merged([
      this.#batch.outcomes(batchItems(), hooks),
      liveOutcomes(this.#live.outcomes(liveItems(), hooks)),
    ])
  }

  stop(how: 'now' | 'drain'): string {
    return `${this.#live.stop(how)}; ${this.#batch.stop(how)}`
  }

  requests(): number {
    return this.#batch.requests() + this.#live.requests()
  }

  live(): ExecutorReading {
    return { ...this.#live.live(), ...this.#batch.live() }
  }

  async close(): Promise<RequestStats> {
    const [batch, live] = await Promise.all([this.#batch.close(), this.#live.close()])
    return { ...live, requests: live.requests + batch.requests }
  }
}
