/**
 * Windowed map over many inputs (Python's imap / imap_unordered): inputs are pulled lazily, at most
 * `window` chunks are in flight or waiting to be yielded, and every input yields exactly one outcome.
 */

import { itemIterator, type Outcome } from '@boundkit/internal'
import type { ChunkReply, TaskEnvelope } from './protocol'

/** Runs one chunk of inputs (starting at input `first`) and gives one outcome per input. */
export type RunChunk<I, R> = (items: I[], first: number) => Promise<Outcome<R>[]>

export interface WindowOptions {
  ordered: boolean
  chunkSize: number
  window: number
  signal: AbortSignal | undefined
  /** Raises the error to throw when `signal` aborts. */
  aborted: () => unknown
}

/**
 * Runs one chunk as one task: a single input as itself, several as one `c` envelope whose reply
 * has a value or an error per input. A chunk that fails as a whole (crash, abort) fails each input.
 */
export function chunkRunner<R>(
  task: string,
  chunkSize: number,
  dispatch: (envelope: TaskEnvelope) => Promise<unknown>,
): RunChunk<unknown, R> {
  return async (items, first) => {
    if (items.length === 1 && chunkSize === 1) {
      try {
        const value = (await dispatch({ t: task, i: items[0] })) as R
        return [{ index: first, status: 'fulfilled', value }]
      } catch (error) {
        return [{ index: first, status: 'rejected', error }]
      }
    }
    try {
      const reply = (await dispatch({ t: task, c: items })) as ChunkReply
      const outcomes: Outcome<R>[] = reply.v.map((value, i) => ({
        index: first + i,
        status: 'fulfilled',
        value: value as R,
      }))
      for (const [i, error] of reply.f) outcomes[i] = { index: first + i, status: 'rejected', error }
      return outcomes
    } catch (error) {
      return items.map((_, i) => ({ index: first + i, status: 'rejected', error }))
    }
  }
}

type Pull<I> = () => Promise<IteratorResult<I>> | IteratorResult<I>

function puller<I>(inputs: Iterable<I> | AsyncIterable<I>): { pull: Pull<I>; stop: () => void } {
  // The caller has checked that `inputs` is iterable.
  const { iterator, isAsync } = itemIterator(inputs)!
  const stop = isAsync
    ? () => void (iterator as AsyncIterator<I>).return?.()?.catch?.(() => {})
    : () => void iterator.return?.()
  return { pull: () => iterator.next(), stop }
}

export async function* windowedOutcomes<I, R>(
  inputs: Iterable<I> | AsyncIterable<I>,
  run: RunChunk<I, R>,
  options: WindowOptions,
): AsyncGenerator<Outcome<R>, void, undefined> {
  const { pull, stop } = puller(inputs)
  let exhausted = false
  let nextIndex = 0
  // Ordered: chunks in input order. Unordered: finished chunks in completion order.
  const inOrder: Promise<Outcome<R>[]>[] = []
  const finished: Outcome<R>[][] = []
  let inFlight = 0
  let wake: (() => void) | undefined

  async function readChunk(): Promise<I[]> {
    const items: I[] = []
    while (items.length < options.chunkSize) {
      const step = await pull()
      if (step.done) {
        exhausted = true
        break
      }
      items.push(step.value)
    }
    return items
  }

  async function fill(): Promise<void> {
    while (!exhausted && inOrder.length + inFlight + finished.length < options.window) {
      if (options.signal?.aborted) throw options.aborted()
      const first = nextIndex
      const items = await readChunk()
      if (items.length === 0) break
      nextIndex += items.length
      const outcome = run(items, first)
      if (options.ordered) {
        inOrder.push(outcome)
      } else {
        inFlight++
        void outcome.then((list) => {
          inFlight--
          finished.push(list)
          wake?.()
        })
      }
    }
  }

  try {
    await fill()
    while (true) {
      let list: Outcome<R>[] | undefined
      if (options.ordered) {
        const head = inOrder.shift()
        if (head === undefined) return
        list = await head
      } else {
        if (finished.length === 0) {
          if (inFlight === 0) return
          await new Promise<void>((resolve) => {
            wake = resolve
          })
          wake = undefined
        }
        list = finished.shift()
        if (list === undefined) continue
      }
      for (const outcome of list) yield outcome
      await fill()
    }
  } finally {
    if (!exhausted) stop()
  }
}
