import type { Attempt } from './attempt'
import type { ResolvedCallOptions, RetryPolicy } from './options'

export const QUEUED = 0
export const RUNNING = 1
export const WAITING = 2
export const SETTLED = 3

/** Where the outcome of each job of a `map`/`stream` goes (its batch). */
export interface JobSink {
  settled(job: Job, ok: boolean, value: unknown): void
}

/** What every job of one `map` or `stream` call shares; for `run`, every call with the same settings. */
export interface JobCall {
  /** Per-attempt timeout in ms; Infinity: none. */
  readonly timeout: number
  readonly policy: RetryPolicy
  /** Watched per job (`run`); a batch watches its own signal and cancels its jobs. */
  readonly signal: AbortSignal | undefined
  /** An attempt's slot is released without waiting for `fn` (a timeout or a signal is in play). */
  readonly guarded: boolean
  /** The batch of a `map`/`stream`; undefined for `run` (the job's own promise). */
  readonly sink: JobSink | undefined
}

/** The settings of one call, shared by its jobs. */
export function jobCall(options: ResolvedCallOptions, sink?: JobSink): JobCall {
  const { timeout, policy, guarded } = options
  return { timeout, policy, guarded, signal: sink ? undefined : options.signal, sink }
}

/** One unit of work: a `run` call, or one item of a `map`/`stream`. */
export class Job {
  state = QUEUED
  attempt = 0
  firstStart = 0
  current: Attempt | undefined = undefined
  /** Backoff timer while WAITING. */
  timer: unknown = undefined
  /** The failure being retried, while WAITING. */
  failure: unknown = undefined
  resolve: ((value: unknown) => void) | undefined = undefined
  reject: ((error: unknown) => void) | undefined = undefined
  onAbort: (() => void) | undefined = undefined
  /** The function p-queue runs for each attempt (made when the job first reaches p-queue). */
  wrapper: (() => unknown) | undefined = undefined
  /** What the call's `key(item, index)` returned (map/stream with `key`), for its outcome. */
  key: unknown = undefined
  /** Its cost in the weighted windows (aligned with them); undefined when there are none. */
  cost: readonly number[] | undefined = undefined
  /** Neighbours in the limiter's list of live jobs. */
  prev: Job | undefined = undefined
  next: Job | undefined = undefined

  /**
   * `fn` is the job's own for `run` (so that calls with the same settings share one `call`), the
   * batch's for map/stream; `index` and `item` are the item's (map/stream), a `run` job has neither.
   */
  constructor(
    readonly call: JobCall,
    readonly fn: (...args: never[]) => unknown,
    readonly index = 0,
    readonly item?: unknown,
  ) {}
}

/** The job whose promise is being made: an executor runs at once, so one slot serves every call. */
let binding: Job | undefined

function bindSettlers(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  binding!.resolve = resolve
  binding!.reject = reject
}

/** A promise that `job` settles (its `resolve` and `reject`), made without a closure per job. */
export function promiseOf(job: Job): Promise<unknown> {
  binding = job
  try {
    return new Promise(bindSettlers)
  } finally {
    binding = undefined
  }
}
