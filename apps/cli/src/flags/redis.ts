/**
 * The options of a distributed run (`--redis`, `--queue`) and what they rule out, shared by
 * `batch --redis`, `llm --redis` and `worker`. No import of `@boundkit/queue` here: a run without
 * `--redis` never loads BullMQ.
 */

import { SECRET_NAME } from '@boundkit/internal'
import { UsageError } from '../errors'

/** The queue `--queue` names by default, for producers and workers alike. */
export const DEFAULT_QUEUE = 'boundkit'

/** Where the jobs go: the Redis URL (its password is never printed) and the BullMQ queue name. */
export interface RedisSettings {
  url: string
  queue: string
}

/** Whether `decodeURIComponent` takes `part` (`new URL` lets `%zz` through). */
function decodes(part: string): boolean {
  try {
    decodeURIComponent(part)
    return true
  } catch {
    return false
  }
}

/** `--redis` and `--queue`, checked; a bad one is a usage error (exit 2) that never shows a password. */
export function parseRedis(o: { redis: string; queue?: string }): RedisSettings {
  let url: URL | undefined
  try {
    url = new URL(o.redis)
  } catch {}
  if (url?.protocol !== 'redis:' && url?.protocol !== 'rediss:') {
    throw new UsageError(
      `Expected --redis to be a redis:// or rediss:// (TLS) URL, got another scheme or no URL (not shown: it may hold a password)`,
      'ERR_REDIS_URL',
    )
  }
  if (!decodes(url.username) || !decodes(url.password)) {
    throw new UsageError(
      `Expected the user and password of --redis to be percent-encoded (a % followed by two hex digits; % itself is %25), got a URL that is not (not shown: it may hold a password)`,
      'ERR_REDIS_URL',
    )
  }
  const queue = o.queue ?? DEFAULT_QUEUE
  if (queue === '' || queue.includes(':')) {
    throw new UsageError(`Expected --queue to be a non-empty name without ':', got '${queue}'`)
  }
  return { url: o.redis, queue }
}

/**
 * Refuses, with `--redis`, the options that would have no effect or would put a secret in Redis:
 * `--concurrency` and `--timeout` are the worker's (each worker makes the requests), and a
 * credential header is given to the worker, never to the jobs. `--max-response-bytes` travels in
 * each job: the answers come back through Redis to this process.
 */
function checkDistributed(
  given: readonly string[],
  headers: readonly (readonly [string, string])[] | undefined,
  extra: Record<string, string> = {},
): void {
  for (const [option, message] of Object.entries(extra)) {
    if (given.includes(option)) throw new UsageError(message, 'ERR_NOT_WITH_REDIS')
  }
  for (const option of ['concurrency', 'timeout']) {
    if (!given.includes(option)) continue
    const flag = `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
    throw new UsageError(
      `With --redis, ${flag} is each worker's: give it to \`boundkit worker ${flag}\``,
      'ERR_NOT_WITH_REDIS',
    )
  }
  for (const [name] of headers ?? []) {
    if (SECRET_NAME.test(name)) {
      throw new UsageError(
        `With --redis, --header ${name} would travel in the jobs' data through Redis: give it to \`boundkit worker --header\` (secrets stay on the workers)`,
        'ERR_SECRET_IN_JOB',
      )
    }
  }
}

/** `--redis` and `--queue`, checked with what they rule out (a usage error, exit 2). */
export function parseRedisOptions(
  o: { redis?: string; queue?: string; header?: (readonly [string, string])[] },
  given: readonly string[],
  /** Further options refused (`ERR_NOT_WITH_REDIS`), each with why. */
  extra?: Record<string, string>,
): RedisSettings | undefined {
  if (o.redis === undefined) {
    if (o.queue !== undefined) throw new UsageError('--queue goes with --redis')
    return undefined
  }
  const redis = parseRedis({ redis: o.redis, ...(o.queue === undefined ? {} : { queue: o.queue }) })
  checkDistributed(given, o.header, extra)
  return redis
}
