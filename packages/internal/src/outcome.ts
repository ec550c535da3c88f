/**
 * What happened to item `index` of a batch: the one outcome shape of every boundkit package
 * (limiter's `map({ settle: true })` and `stream`, pool's `settle`, pipeline's `run`, which adds
 * its own fields). Branch on `status`, as with `Promise.allSettled`.
 */
export interface FulfilledOutcome<R> {
  /** The item's 0-based position in the input. */
  index: number
  status: 'fulfilled'
  value: R
  /** Attempts made, where the package retries (limiter, pipeline). */
  attempts?: number
}

export interface RejectedOutcome<E = unknown> {
  /** The item's 0-based position in the input. */
  index: number
  status: 'rejected'
  /** The error the item failed with (any thrown value, `null` and `undefined` included). */
  error: E
  /** Attempts made, where the package retries (limiter, pipeline). */
  attempts?: number
}

export type Outcome<R, E = unknown> = FulfilledOutcome<R> | RejectedOutcome<E>

/**
 * An outcome that carries the item's `key` (what the limiter's `key(item, index)` option returned),
 * so a script needs no index-to-id map. A fulfilled outcome always has it; a rejected one has
 * `undefined` when the `key` function itself threw (the item then fails with that error).
 */
export type KeyedOutcome<R, K, E = unknown> =
  | (FulfilledOutcome<R> & { key: K })
  | (RejectedOutcome<E> & { key: K | undefined })
