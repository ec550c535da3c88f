import { setTimeout as sleep } from 'node:timers/promises'
import { AnswerError } from '../../http'

/** What the naive client did: items ok and lost, and the requests, 429s and retries that took. */
export interface NaiveRun {
  ok: number
  failed: number
  requests: number
  rateLimited: number
  retries: number
}

export interface NaiveOptions {
  /** Items in flight at once (a fixed pool of workers, as p-limit gives); undefined: all at once. */
  concurrency?: number
  /** Retries after the first attempt. */
  retries: number
  /** The first backoff (ms); it doubles after each failure. */
  firstDelay: number
  /** Called as each item ends, with the items ok and lost so far. */
  onSettled?: (ok: number, failed: number) => void
}

/**
 * A batch of API calls the way a first version is often written: every item at once
 * (`Promise.all`), or a fixed number at a time, each retried on any failure after a doubling backoff
 * that ignores Retry-After. Nothing is shared between the items, so every 429 is met alone and
 * retried on its own schedule while the others keep calling.
 */
export async function runNaive<T>(
  items: readonly T[],
  call: (item: T) => Promise<unknown>,
  options: NaiveOptions,
): Promise<NaiveRun> {
  const run: NaiveRun = { ok: 0, failed: 0, requests: 0, rateLimited: 0, retries: 0 }
  const one = async (item: T) => {
    for (let attempt = 0; ; attempt++) {
      run.requests++
      try {
        await call(item)
        run.ok++
        options.onSettled?.(run.ok, run.failed)
        return
      } catch (error) {
        if (error instanceof AnswerError && error.status === 429) run.rateLimited++
        if (attempt === options.retries) {
          run.failed++
          options.onSettled?.(run.ok, run.failed)
          return
        }
        run.retries++
        await sleep(options.firstDelay * 2 ** attempt)
      }
    }
  }
  let next = 0
  const worker = async () => {
    while (next < items.length) await one(items[next++] as T)
  }
  const width = Math.min(options.concurrency ?? items.length, items.length)
  await Promise.all(Array.from({ length: width }, worker))
  return run
}
