/**
 * What the main thread and the pool's worker entry say to each other. Kept tiny: every task is one
 * of these envelopes, posted by piscina.
 */

/** Marks the object `defineWorker` returns, across the ESM and CJS copies of this package. */
export const WORKER_MARK = Symbol.for('boundkit.pool.worker')

/** One task: `t` the task name, `i` the input; `c` instead of `i` for a chunk of inputs. */
export interface TaskEnvelope {
  t: string
  i?: unknown
  /** A chunk of inputs run one after the other; the reply is a `ChunkReply`. */
  c?: unknown[]
  /** Ask the worker to say when it starts the task (for a timeout), with this id. */
  s?: number
  /** The input is a shared-memory slice: wrap it in a `SharedSlice` first. */
  m?: 1
  /** The caller has had its answer already (the task was failed while queued): do nothing. */
  d?: 1
  /** Sent ahead to a busy worker (`prefetch`): the worker sets `a[0]` as it starts the task. */
  a?: Int32Array
}

/** Worker side: marks a task sent ahead as started, before it runs. */
export function markStarted(envelope: TaskEnvelope): void {
  if (envelope.a !== undefined) Atomics.store(envelope.a, 0, 1)
}

/** Main-thread side: whether the worker has started a task sent ahead. */
export function hasStarted(envelope: TaskEnvelope): boolean {
  return envelope.a !== undefined && Atomics.load(envelope.a, 0) === 1
}

/** Main-thread side: empties a queued task that was failed, should a worker still pick it up. */
export function dropTask(envelope: TaskEnvelope): void {
  envelope.d = 1
  envelope.i = undefined
  envelope.c = undefined
  envelope.s = undefined
  envelope.a = undefined
}

/** The reply to a chunk: values by position, and the failures as `[position, error]`. */
export interface ChunkReply {
  v: unknown[]
  f: [number, unknown][]
}

/** What the worker entry reads from `workerData`. */
export interface WorkerBoot {
  /** The user's worker file as a file URL. */
  file: string
  initData: unknown
}

/** Sent through the worker's parentPort when a task with `s` starts. */
export interface StartNotice {
  boundkitStart: number
}

/**
 * What the worker sends for a task that threw `null` or `undefined`: piscina takes a `null` error for
 * a success, so the value travels wrapped and the main thread unwraps it (any throw is a failure).
 */
export interface NothingThrown {
  boundkitThrown: 'null' | 'undefined'
}

/** Worker side: the value to throw in place of `error`. */
export function wrapThrown(error: unknown): unknown {
  if (error === null) return { boundkitThrown: 'null' } satisfies NothingThrown
  if (error === undefined) return { boundkitThrown: 'undefined' } satisfies NothingThrown
  return error
}

/** Main-thread side: the value the task threw. */
export function unwrapThrown(error: unknown): unknown {
  if (error === null || typeof error !== 'object' || Object.keys(error).length !== 1) return error
  const kind = (error as Partial<NothingThrown>).boundkitThrown
  if (kind === 'null') return null
  if (kind === 'undefined') return undefined
  return error
}

/** Errors raised inside the worker carry their code in the message, since cloning drops fields. */
export const CODE_TAG = /^\[boundkit:(ERR_[A-Z_]+)\] /

export function tagMessage(code: string, message: string): string {
  return `[boundkit:${code}] ${message}`
}
