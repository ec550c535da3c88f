/**
 * Every option type of the queue and its checks: `createQueue`'s and `startWorker`'s options once,
 * `distribute`'s at every call. A bad option throws `ERR_INVALID_OPTION` naming it.
 */
import { statSync } from 'node:fs'
import { availableParallelism, hostname } from 'node:os'
import {
  booleanOption,
  expected,
  functionOption,
  numberOption,
  optionsObject,
  signalOption,
  timeoutOption,
} from '@boundkit/internal'
import type { LimiterOptions } from '@boundkit/limiter'
import { httpOrigin, workerFilePath } from './allow-list'
import { type QueueConnection, type ResolvedConnection, resolveConnection } from './connection'
import { invalidOption } from './errors'
import type { QueueJob } from './jobs'

const fail = invalidOption

/** What the producer and the workers share: where Redis is and which BullMQ queue. */
export interface QueueConnectionOptions {
  /** A Redis URL (`redis://`, `rediss://` for TLS) or ioredis options. Its password never appears in errors. */
  connection: QueueConnection
  /** The BullMQ queue name: producer and workers of one run use the same. */
  name: string
  /** BullMQ's key prefix in Redis. @default 'bull' */
  prefix?: string
  /**
   * Milliseconds (>= 1) to reach Redis at start before failing with `ERR_REDIS_UNREACHABLE`.
   * @default 5000
   */
  connectTimeout?: number
}

/** Options of `createQueue`. */
export interface QueueOptions extends QueueConnectionOptions {
  /**
   * The most `close()` waits for Redis, ms (>= 1, or `Infinity`): past it (Redis down) it cuts the
   * connections, and what still waited on them fails. BullMQ's own close never ends while Redis is
   * down.
   * @default 5000
   */
  closeTimeout?: number
}

/** Options of `queue.distribute`. */
export interface QueueDistributeOptions<T> {
  /**
   * The item's key, unique in the queue: the job id is made from it, so adding an item whose key was
   * added before (a restarted producer) adds nothing and gives the earlier job's outcome.
   */
  key: (item: T, index: number) => string | number
  /** What a worker runs for the item: `poolJob(...)`, `httpJob(...)` or `{ name, data }` of your own handler. */
  job: (item: T, index: number) => QueueJob
  /**
   * Whether the item runs again although its key's job finished before: `'finished'` removes that
   * job if it completed or failed, `'failed'` only if it failed, so that a new job runs instead of its
   * outcome being read back; `undefined` reads it back. A job waiting or running is kept.
   * @default () => undefined
   */
  replace?: (item: T, index: number) => 'finished' | 'failed' | undefined
  /** Yield outcomes in input order; `false` yields them as jobs finish. @default true */
  ordered?: boolean
  /** Items added but not yet yielded, at most: bounds memory and Redis (integer >= 1). @default 100 */
  window?: number
  /** Attempts per job, the first included (integer >= 1). @default 3 */
  attempts?: number
  /**
   * Milliseconds (>= 0) before the first retry, doubling at each next one up to 30 s, with full
   * jitter (as the limiter's `retry`), and never less than a 503's `Retry-After`. @default 250
   */
  backoff?: number
  /**
   * Milliseconds (>= 1) between checks of the outstanding jobs in Redis, which catch finishes whose
   * event was missed (a reconnect, a restarted Redis) and re-add jobs Redis lost.
   * @default 1000
   */
  pollInterval?: number
  /** Stops adding items; the call throws `ERR_ABORTED` (jobs already added still run). @default none */
  signal?: AbortSignal
}

/** BullMQ's global rate limit: at most `max` jobs start in every `duration` ms, across all workers. */
export interface QueueRate {
  /** Jobs per window (integer >= 1). */
  max: number
  /** The window, in ms (>= 1). */
  duration: number
}

/** Options of `startWorker`. */
export interface QueueWorkerOptions extends QueueConnectionOptions {
  /** Jobs this process runs at once (integer >= 1). @default os.availableParallelism() */
  concurrency?: number
  /** Threads of the local pool that runs `pool` jobs (integer >= 1). @default os.availableParallelism() */
  threads?: number
  /**
   * Options of the local limiter that runs `http` jobs. Its `retry` is off unless given (each
   * attempt of a job is one request: the job's `attempts` are its retries); `retry.retryOn` and
   * `retry.maxRetryAfter` say which failures get another attempt, `cooldown.after` how many 503s
   * in a row pause the whole queue. @default { concurrency, retry: false }
   */
  limiter?: LimiterOptions
  /**
   * A rate for all workers together (BullMQ's global limiter; give every worker the same).
   * @default none
   */
  rate?: QueueRate
  /**
   * Milliseconds (>= 1) a worker's lock on a job lasts without renewal. The worker renews its locks
   * every quarter of it, and the stalled-job check runs every quarter of it too: a killed worker's
   * jobs go back to the queue within 3/4 to 1.5 times this (4 to 8 s by default). Shorter is a faster
   * recovery, but an event loop blocked for more than 3/4 of it (a long synchronous handler) may lose
   * its locks: its jobs then run twice (BullMQ's "stalled" jobs; a job stalled twice fails).
   * @default 5000
   */
  lockDuration?: number
  /**
   * Headers this worker adds to every `http` job's request (API keys: secrets stay on the worker and
   * never go through Redis). They win over the job's own headers of the same name. They go only to
   * `httpOrigins`, which must be given with them.
   * @default {}
   */
  httpHeaders?: Record<string, string>
  /**
   * The origins (`https://api.openai.com`: scheme, host and port, no path) `http` jobs may reach: a
   * job whose URL has another origin fails with `ERR_ORIGIN_NOT_ALLOWED`, unsent, and a redirect is
   * not followed (its answer fails the job). Required with `httpHeaders`, so that a job cannot send
   * the worker's credentials elsewhere.
   * @default any origin (only without `httpHeaders`)
   */
  httpOrigins?: readonly string[]
  /**
   * The `defineWorker` files `pool` jobs may run (paths in this process's cwd, or `file:` URLs): a
   * job naming another file fails with `ERR_FILE_NOT_ALLOWED`, and the file is never loaded. Each
   * must exist when the worker starts.
   * @default none: `pool` jobs are refused
   */
  workerFiles?: readonly (string | URL)[]
  /**
   * The largest answer body an `http` job reads, bytes (integer >= 1); a job's own
   * `maxResponseBytes` wins. Past it the job fails with `ERR_RESPONSE_TOO_LARGE`.
   * @default 33554432 (32 MiB)
   */
  maxResponseBytes?: number
  /** Your own job handlers by job name, run in this process: `(data, job) => result`. @default {} */
  handlers?: Record<string, QueueHandler>
  /**
   * The grace period of `close()` (and of SIGTERM and SIGINT), ms (>= 1, or `Infinity`): how long it
   * waits for the running jobs to finish and for Redis to take their results. Past it, whatever
   * Redis or a job does, it stops waiting: the connections are cut, the pools' threads and the
   * requests in flight end, and the jobs still running go back to the queue once their lock expires
   * (`lockDuration`). Below the 30 s a container runtime gives a stopped container before SIGKILL.
   * @default 20000
   */
  closeTimeout?: number
  /**
   * Close on SIGTERM and SIGINT (finish running jobs within `closeTimeout`, take no new one). If the
   * grace period ran out and no other listener has the signal, the signal is raised again: the
   * process ends with it. @default true
   */
  handleSignals?: boolean
  /**
   * Milliseconds (>= 100, or `Infinity`: never) between the status this worker publishes in Redis
   * (its stats, concurrency and limiter state) for producers' `queue.workers()` and their live page;
   * the status expires three intervals after the last one.
   * @default 1000
   */
  statusInterval?: number
  /**
   * This worker's name: each job it finishes records it (BullMQ's `processedBy`), and a producer's
   * `stats().byWorker` counts outcomes by it. No spaces. @default `<hostname>:<pid>`
   */
  workerName?: string
}

/** A handler of your own for a job name: given the job's data and the BullMQ job. */
export type QueueHandler = (data: never, job: { id: string; name: string; attemptsMade: number }) => unknown

export interface ResolvedConnectionOptions {
  connection: ResolvedConnection
  name: string
  prefix: string
  connectTimeout: number
}

function resolveConnectionOptions(options: QueueConnectionOptions): ResolvedConnectionOptions {
  if (options === null || typeof options !== 'object') fail(expected('options', 'an object', options))
  const connection = resolveConnection(options.connection)
  if (typeof options.name !== 'string' || options.name.length === 0 || options.name.includes(':')) {
    fail(expected('name', 'a non-empty string without `:`', options.name))
  }
  const prefix = options.prefix ?? 'bull'
  if (typeof prefix !== 'string' || prefix.length === 0)
    fail(expected('prefix', 'a non-empty string', prefix))
  const connectTimeout = numberOption(fail, 'connectTimeout', options.connectTimeout, { min: 1 }, 5000)
  return { connection, name: options.name, prefix, connectTimeout }
}

export interface ResolvedQueueOptions extends ResolvedConnectionOptions {
  closeTimeout: number
}

export function resolveQueueOptions(options: QueueOptions): ResolvedQueueOptions {
  const base = resolveConnectionOptions(options)
  return { ...base, closeTimeout: timeoutOption(fail, 'closeTimeout', options.closeTimeout, 5000) }
}

export interface ResolvedDistributeOptions<T> {
  key: (item: T, index: number) => string | number
  job: (item: T, index: number) => QueueJob
  replace: ((item: T, index: number) => 'finished' | 'failed' | undefined) | undefined
  ordered: boolean
  window: number
  attempts: number
  backoff: number
  pollInterval: number
  signal: AbortSignal | undefined
}

export function resolveDistributeOptions<T>(
  given: QueueDistributeOptions<T> | undefined,
): ResolvedDistributeOptions<T> {
  const options = optionsObject(fail, given)
  const key = functionOption<(item: T, index: number) => string | number>(fail, 'key', options.key)
  if (key === undefined) fail(expected('key', 'a function', undefined))
  const job = functionOption<(item: T, index: number) => QueueJob>(fail, 'job', options.job)
  if (job === undefined) fail(expected('job', 'a function', undefined))
  return {
    key: key as (item: T, index: number) => string | number,
    job: job as (item: T, index: number) => QueueJob,
    replace: functionOption<(item: T, index: number) => 'finished' | 'failed' | undefined>(
      fail,
      'replace',
      options.replace,
    ),
    ordered: booleanOption(fail, 'ordered', options.ordered, true),
    window: numberOption(fail, 'window', options.window, { integer: true, min: 1 }, 100),
    attempts: numberOption(fail, 'attempts', options.attempts, { integer: true, min: 1 }, 3),
    backoff: numberOption(fail, 'backoff', options.backoff, { min: 0 }, 250),
    pollInterval: numberOption(fail, 'pollInterval', options.pollInterval, { min: 1 }, 1000),
    signal: signalOption(fail, 'signal', options.signal),
  }
}

export interface ResolvedWorkerOptions extends ResolvedConnectionOptions {
  concurrency: number
  threads: number
  limiter: LimiterOptions
  rate: QueueRate | undefined
  lockDuration: number
  httpHeaders: Record<string, string>
  /** The origins `http` jobs may reach; undefined: any (there are no `httpHeaders`). */
  httpOrigins: ReadonlySet<string> | undefined
  /** The absolute paths of the worker files `pool` jobs may run. */
  workerFiles: ReadonlySet<string>
  maxResponseBytes: number
  handlers: Record<string, QueueHandler>
  closeTimeout: number
  handleSignals: boolean
  statusInterval: number
  workerName: string
}

function resolveHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined) return {}
  if (headers === null || typeof headers !== 'object') fail(expected('httpHeaders', 'an object', headers))
  for (const [name, value] of Object.entries(headers as object)) {
    if (typeof value !== 'string') fail(expected(`httpHeaders.${name}`, 'a string', typeof value))
  }
  return headers as Record<string, string>
}

/** `httpHeaders` and the origins they may go to (`httpOrigins`, required with headers). */
function resolveHttpTrust(
  headers: unknown,
  origins: unknown,
): { httpHeaders: Record<string, string>; httpOrigins: ReadonlySet<string> | undefined } {
  const httpHeaders = resolveHeaders(headers)
  if (origins === undefined) {
    if (Object.keys(httpHeaders).length > 0) {
      fail(
        expected(
          'httpOrigins',
          'the origins httpHeaders may be sent to (a job must not send them anywhere else)',
          undefined,
        ),
      )
    }
    return { httpHeaders, httpOrigins: undefined }
  }
  if (!Array.isArray(origins)) fail(expected('httpOrigins', 'an array of origins', origins))
  const set = new Set<string>()
  for (const [i, origin] of (origins as unknown[]).entries()) {
    const parsed = typeof origin === 'string' ? httpOrigin(origin) : undefined
    // Only an origin: a path given here would look like a restriction it is not.
    if (parsed === undefined || new URL(origin as string).href !== `${parsed}/`) {
      fail(expected(`httpOrigins[${i}]`, 'an http(s) origin, scheme://host[:port] without a path', origin))
    }
    set.add(parsed as string)
  }
  return { httpHeaders, httpOrigins: set }
}

/** The absolute paths of `workerFiles`, each an existing file. */
function resolveWorkerFiles(files: unknown): ReadonlySet<string> {
  if (files === undefined) return new Set()
  if (!Array.isArray(files)) fail(expected('workerFiles', 'an array of paths or file URLs', files))
  const set = new Set<string>()
  for (const [i, file] of (files as unknown[]).entries()) {
    let path: string | undefined
    try {
      if (typeof file === 'string' || file instanceof URL) path = workerFilePath(file)
    } catch {}
    if (path === undefined || !statSync(path, { throwIfNoEntry: false })?.isFile()) {
      fail(expected(`workerFiles[${i}]`, 'a path or file URL of an existing file', String(file)))
    }
    set.add(path as string)
  }
  return set
}

export function resolveRate(rate: unknown): QueueRate | undefined {
  if (rate === undefined) return undefined
  if (rate === null || typeof rate !== 'object') fail(expected('rate', 'an object { max, duration }', rate))
  const { max, duration } = rate as QueueRate
  return {
    max: numberOption(fail, 'rate.max', max ?? Number.NaN, { integer: true, min: 1 }, 0),
    duration: numberOption(fail, 'rate.duration', duration ?? Number.NaN, { min: 1 }, 0),
  }
}

export function resolveWorkerOptions(options: QueueWorkerOptions): ResolvedWorkerOptions {
  const base = resolveConnectionOptions(options)
  const cores = availableParallelism()
  const concurrency = numberOption(fail, 'concurrency', options.concurrency, { integer: true, min: 1 }, cores)
  const handlers = options.handlers ?? {}
  if (handlers === null || typeof handlers !== 'object') fail(expected('handlers', 'an object', handlers))
  for (const [name, fn] of Object.entries(handlers)) {
    if (typeof fn !== 'function') fail(expected(`handlers.${name}`, 'a function', fn))
  }
  const limiter = options.limiter ?? { concurrency }
  if (limiter === null || typeof limiter !== 'object') fail(expected('limiter', 'an object', limiter))
  return {
    ...base,
    concurrency,
    threads: numberOption(fail, 'threads', options.threads, { integer: true, min: 1 }, cores),
    limiter,
    rate: resolveRate(options.rate),
    lockDuration: numberOption(fail, 'lockDuration', options.lockDuration, { integer: true, min: 1 }, 5000),
    ...resolveHttpTrust(options.httpHeaders, options.httpOrigins),
    workerFiles: resolveWorkerFiles(options.workerFiles),
    maxResponseBytes: numberOption(
      fail,
      'maxResponseBytes',
      options.maxResponseBytes,
      { integer: true, min: 1 },
      32 * 2 ** 20,
    ),
    handlers,
    closeTimeout: timeoutOption(fail, 'closeTimeout', options.closeTimeout, 20_000),
    handleSignals: booleanOption(fail, 'handleSignals', options.handleSignals, true),
    statusInterval: numberOption(
      fail,
      'statusInterval',
      options.statusInterval,
      { min: 100, allowInfinity: true },
      1000,
    ),
    workerName: resolveWorkerName(options.workerName),
  }
}

function resolveWorkerName(name: unknown): string {
  if (name === undefined) return `${hostname()}:${process.pid}`
  if (typeof name !== 'string' || name === '' || /\s/.test(name)) {
    fail(expected('workerName', 'a non-empty string without spaces', name))
  }
  return name as string
}
