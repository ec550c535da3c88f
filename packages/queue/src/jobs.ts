/**
 * The BullMQ job names and data a boundkit worker runs: plain JSON, so that any BullMQ producer can
 * feed boundkit workers and any BullMQ tool (Bull Board, `QueueEvents`) can read a run.
 */

import type { TokenCharge } from './token-window'

/** The job name of a CPU task run on the worker's local pool. */
export const POOL_JOB = 'pool'
/** The job name of an HTTP request made through the worker's local limiter. */
export const HTTP_JOB = 'http'

/** Data of a `pool` job: run `task` of the `defineWorker` file `file` with `input`. */
export interface PoolJobData {
  /** The worker file, a path (relative to the worker process's cwd) or a `file:` URL. */
  file: string
  /** The task name in the file's `defineWorker({ tasks })`. */
  task: string
  /** The task's input (JSON: it goes through Redis). */
  input: unknown
}

/** Data of an `http` job: one request; the job's result is `{ status, headers, body }`. */
export interface HttpJobData {
  url: string
  /** @default 'GET' */
  method?: string
  /** Headers without secrets: the worker adds its own `httpHeaders`. @default {} */
  headers?: Record<string, string>
  /** The request body, as text. @default none */
  body?: string
  /**
   * Counts the request against a token budget all workers of the queue share (`--tpm` for the
   * cluster): `estimate` tokens are charged when it starts and replaced by the answer's `usage`
   * (`total_tokens`, or input + output tokens). While the budget is spent, the queue pauses until
   * the oldest starts slide out of the window. @default none
   */
  tokens?: TokenCharge
  /**
   * The largest answer body read, bytes: past it (or a `Content-Length` above it) the job fails
   * with `ERR_RESPONSE_TOO_LARGE`, without reading the rest. @default the worker's `maxResponseBytes`
   */
  maxResponseBytes?: number
}

/** What an `http` job returns: `body` is parsed when the answer is JSON, text otherwise. */
export interface HttpJobResult {
  status: number
  headers: Record<string, string>
  body: unknown
}

/** A job to add: a name the workers know and its JSON data. */
export type QueueJob =
  | { name: typeof POOL_JOB; data: PoolJobData }
  | { name: typeof HTTP_JOB; data: HttpJobData }
  | { name: string; data: unknown }

/** A `pool` job: the worker runs `task` of `file` (a `defineWorker` file) on its local pool. */
export function poolJob(file: string | URL, task: string, input: unknown): QueueJob {
  return { name: POOL_JOB, data: { file: file instanceof URL ? file.href : file, task, input } }
}

/** An `http` job: the worker makes the request through its local limiter. */
export function httpJob(request: HttpJobData): QueueJob {
  return { name: HTTP_JOB, data: request }
}
