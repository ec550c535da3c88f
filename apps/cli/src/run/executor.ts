import type { Outcome } from '@boundkit/limiter'
import type { RunReading } from '@boundkit/server/dashboard'
import type { OutputStream } from '../terminal'
import type { EndpointStats } from './endpoint-lane'
import type { RecordKey } from './input/key-sets'
import type { PriorState } from './input/prior'

/** A pending record: its place in this run (`pos`), in the input (`index`, `line`), its key, text and value. */
export interface Pending {
  pos: number
  index: number
  /** Its 1-based line number in the input. */
  line: number
  key: RecordKey
  text: string
  record: unknown
}

/** What the runner tells an executor about the records it hands over. */
export interface ExecutorHooks {
  /**
   * An attempt of the record starts (or its job is added): the record's time starts at the first.
   * False: the record may not start (`--max-cost`): it ends without a line, and nothing after it starts.
   */
  started(item: Pending): boolean
  /** What the output file already says of the record (`retry`: `--retry-failed` sends it again). */
  prior(item: Pending): PriorState
}

/** The requests a run made, for its summary. */
export interface RequestStats {
  /** HTTP requests sent: first attempts and retries (count). */
  requests: number
  /** Retries after a failed attempt (count). */
  retries: number
  /** Answers with HTTP status 429 (count). */
  rateLimited: number
  /** Retry-After cooldowns: every request held back meanwhile (count). */
  cooldowns: number
  /** Time spent cooling down (ms). */
  cooldownMs: number
  /** The concurrency limit at the end (the adaptive one with `auto`); 0 when workers made the requests. */
  concurrency: number
  /** `--endpoints`: each endpoint's requests, tokens, 429s and cost. */
  endpoints?: EndpointStats[]
}

/** What the live page shows of an executor besides the runner's own counts. */
export type ExecutorReading = Omit<RunReading, 'done' | 'failed' | 'requests'>

/**
 * How a run's records are sent: here through a limiter (`local`), or as jobs that worker processes run
 * (`distributed`). The runner does the rest (input, resume, output, progress, summary, Ctrl-C).
 */
export interface Executor<A> {
  /**
   * One outcome per item (`index` is the item's `pos`), in any order. After `stop()` the items not
   * started end as `ERR_INTERRUPTED`, `ERR_CLEARED` or `ERR_CLOSED` (no line: a resumed run sends
   * them), or the iteration ends by throwing `ERR_ABORTED`.
   */
  outcomes(items: AsyncIterable<Pending>, hooks: ExecutorHooks): AsyncIterable<Outcome<A>>
  /**
   * Start nothing more; says what happens now, for the user. `now` (the first Ctrl-C): a distributed run
   * stops waiting for the jobs it added (they finish in Redis; `--resume` reads them). `drain` (`--max-cost`):
   * every record started, or job added, still ends with its outcome.
   */
  stop(how: 'now' | 'drain'): string
  /** HTTP requests made so far: every attempt (count). */
  requests(): number
  live(): ExecutorReading
  /** Releases what the executor holds and gives its figures; called once. */
  close(): Promise<RequestStats>
  /** How a printed command shows a `--redis` URL (without its password); undefined: no Redis. */
  redactUrl?: (url: string) => string
}

/** Opens a run's executor; a distributed one reaches Redis (or fails) before the output is touched. */
export type OpenExecutor<A> = (out: string, stderr: OutputStream) => Promise<Executor<A>>

/**
 * Failures that end a record for good although it was never sent itself: the answer every endpoint
 * serving its model gave another record (401, 403, 404). Such a record gets its line, as one refused
 * by its cost or model does.
 */
const answeredForIt = new WeakSet<object>()

/** Marks `error` as ending, with a line, the records it is given to without their being sent. */
export function answerForUnsent<E extends object>(error: E): E {
  answeredForIt.add(error)
  return error
}

/** Whether `error` ends a record never sent with a line (see `answerForUnsent`). */
export function isAnswerForUnsent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && answeredForIt.has(error)
}

/** A record not started because its worst case would pass `--max-cost`: no line; `--resume` sends it. */
export class BudgetReachedError extends Error {
  override name = 'BudgetReachedError'
  readonly code = 'ERR_BUDGET_REACHED'
}

/** A record that ends without a line because the run was interrupted: `--resume` sends it. */
export class InterruptedError extends Error {
  override name = 'InterruptedError'
  readonly code = 'ERR_INTERRUPTED'
}
