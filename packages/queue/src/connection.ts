/**
 * Where Redis is and how to reach it: a URL (`redis://` or `rediss://` for TLS) or ioredis options,
 * turned into the options each BullMQ object opens its own connection with. The password never goes
 * into a message: `redactUrl` is what errors and events show.
 */
import { expected } from '@boundkit/internal'
import type { ConnectionOptions } from 'bullmq'
import { Redis, type RedisOptions } from 'ioredis'
import { invalidOption, QueueError } from './errors'

/** A Redis URL (`redis://user:pass@host:6379/0`, `rediss://` for TLS) or ioredis options. */
export type QueueConnection = string | RedisOptions

export interface ResolvedConnection {
  /** ioredis options (no `maxRetriesPerRequest`: each user sets its own). */
  options: RedisOptions
  /** What messages show: the URL without its password, or `host:port`. */
  label: string
}

/** `rediss://user:***@host:6380/0`: the URL with its password (if any) replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(an unparsable Redis URL)'
  }
}

function fromUrl(url: string): RedisOptions {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return invalidOption(expected('connection', 'a redis:// or rediss:// URL', redactUrl(url)))
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    invalidOption(expected('connection', 'a redis:// or rediss:// URL', redactUrl(url)))
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0
  if (!Number.isInteger(db) || db < 0)
    invalidOption(expected('connection', 'a URL whose path is a database number', redactUrl(url)))
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part)
    } catch {
      // `%zz` passes `new URL` but not decoding: say so without the password it may be part of.
      return invalidOption(
        expected('connection', 'a URL whose user and password are percent-encoded (%XX)', redactUrl(url)),
      )
    }
  }
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username && { username: decode(parsed.username) }),
    ...(parsed.password && { password: decode(parsed.password) }),
    db,
    ...(parsed.protocol === 'rediss:' && { tls: { servername: parsed.hostname } }),
  }
}

export function resolveConnection(connection: unknown): ResolvedConnection {
  if (typeof connection === 'string') {
    return { options: fromUrl(connection), label: redactUrl(connection) }
  }
  if (connection === null || typeof connection !== 'object') {
    invalidOption(expected('connection', 'a Redis URL or ioredis options', connection))
  }
  const options = connection as RedisOptions
  return { options: { ...options }, label: `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}` }
}

/**
 * Opens a throw-away connection, PINGs and closes it, within `timeout` ms, so that an unreachable
 * Redis (refused, unknown host, wrong password, a firewall that drops packets) fails at once with
 * `ERR_REDIS_UNREACHABLE` instead of BullMQ reconnecting forever.
 */
export async function checkRedis(connection: ResolvedConnection, timeout: number): Promise<void> {
  const client = new Redis({
    ...connection.options,
    lazyConnect: true,
    connectTimeout: timeout,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  })
  // ioredis also emits the failure as an event; the rejection below reports it.
  client.on('error', () => {})
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout)
      }),
    ])
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new QueueError(
      'ERR_REDIS_UNREACHABLE',
      `Redis at ${connection.label} is unreachable: ${scrub(reason, connection)}`,
      { cause: error },
    )
  } finally {
    clearTimeout(timer)
    client.disconnect()
  }
}

/** `text` with the connection's password (if any) replaced, for messages that quote a driver's. */
export function scrub(text: string, connection: ResolvedConnection): string {
  const password = connection.options.password
  return password ? text.replaceAll(password, '***') : text
}

/**
 * The options each BullMQ object (queue, event stream, worker) opens its own connection with. Past
 * the start check, commands wait for a reconnect instead of failing (`maxRetriesPerRequest: null`,
 * which BullMQ's workers require): a Redis restart mid-run pauses the run rather than failing it.
 */
export function bullConnection(connection: ResolvedConnection): ConnectionOptions {
  return { ...connection.options, maxRetriesPerRequest: null } as ConnectionOptions
}

/**
 * A connection of boundkit's own beside BullMQ's (the token window, the cluster's counts), made like
 * theirs: its commands wait for a reconnect, and the errors it emits are those reconnects'.
 */
export function openClient(connection: ResolvedConnection): Redis {
  const client = new Redis(bullConnection(connection) as RedisOptions)
  client.on('error', () => {})
  return client
}

/** Closes a client of `openClient` once what it has queued is sent (`quit`), or at once if that fails. */
export async function closeClient(client: Redis | undefined): Promise<void> {
  await client?.quit().catch(() => client.disconnect())
}
