import type { KeySet, RecordKey } from './key-sets'

/**
 * What the existing output says of a record: not there (`todo`), its newest line ok (`ok`) or a
 * failure, which this run skips (`failed`) or, with `--retry-failed`, sends again (`retry`).
 */
export type PriorState = 'todo' | 'ok' | 'failed' | 'retry'

/**
 * The outcomes an output file already holds, by key; a key's last line is its newest outcome (a
 * record sent again by `--retry-failed` gets a later line, until the run compacts the file).
 * Memory: the keys in the run's key set, and the keys whose newest line is a failure.
 */
export class PriorOutcomes {
  readonly #done: KeySet
  readonly #failed = new Set<RecordKey>()
  readonly #retryFailed: boolean
  #duplicates = false

  constructor(done: KeySet, retryFailed: boolean) {
    this.#done = done
    this.#retryFailed = retryFailed
  }

  /** Some key has more than one line: a `--retry-failed` run stopped before it compacted the file. */
  get duplicates(): boolean {
    return this.#duplicates
  }

  /** Takes in the next line of the file: its key, and whether it records a failure. */
  add(key: RecordKey, failed: boolean): void {
    if (!this.#done.add(key)) this.#duplicates = true
    if (failed) this.#failed.add(key)
    else this.#failed.delete(key)
  }

  state(key: RecordKey): PriorState {
    if (!this.#done.has(key)) return 'todo'
    if (!this.#failed.has(key)) return 'ok'
    return this.#retryFailed ? 'retry' : 'failed'
  }

  /** Whether this run sends the record. */
  sends(key: RecordKey): boolean {
    const state = this.state(key)
    return state === 'todo' || state === 'retry'
  }
}
