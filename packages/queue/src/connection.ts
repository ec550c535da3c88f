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

/** How Redis answers credentials it refuses: a wrong user or password, or none where one is needed. */
const AUTH_REFUSAL = /^(WRONGPASS|NOAUTH|ERR invalid password|ERR invalid username-password)/

/**
 * Opens a throw-away connection, PINGs and closes it, within `timeout` ms, so that an unreachable
 * Redis (refused, unknown host, a firewall that drops packets) fails at once with
 * `ERR_REDIS_UNREACHABLE`, and refused credentials with `ERR_REDIS_AUTH`, instead of BullMQ
 * reconnecting forever.
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
  // The server's refusal of the credentials comes as an event; the rejection is then only
  // "Connection is closed", the same as no server at all.
  let refusal: Error | undefined
  client.on('error', (error: Error) => {
    if (AUTH_REFUSAL.test(error.message)) refusal ??= error
  })
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout)
      }),
    ])
  } catch (error) {
    if (error instanceof Error && AUTH_REFUSAL.test(error.message)) refusal ??= error
    if (refusal !== undefined) throw authFailure(connection, refusal)
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

/**
 * `ERR_REDIS_AUTH`: what was refused, in words. Its cause is the server's answer, scrubbed: ioredis
 * attaches the command to it, and `HELLO 3 AUTH user password` holds the password.
 */
function authFailure(connection: ResolvedConnection, refusal: Error): QueueError {
  const answer = scrub(refusal.message, connection)
  const message =
    connection.options.password === undefined
      ? `Redis at ${connection.label} needs a password and none was given: put it in the URL (redis://user:password@host) (${answer.split(' ')[0]})`
      : `Redis at ${connection.label} refused the user name or password: ${answer}`
  return new QueueError('ERR_REDIS_AUTH', message, { cause: scrubError(refusal, connection) })
}

/** `text` with the connection's password (if any) replaced, for messages that quote a driver's. */
export function scrub(text: string, connection: ResolvedConnection): string {
  const password = connection.options.password
  return password ? text.replaceAll(password, '***') : text
}

/**
 * `error` as an event or a cause may show it: its message scrubbed, and the arguments of the command
 * ioredis attaches to a server's error (`HELLO 3 AUTH user password`) too.
 */
export function scrubError<E extends Error>(error: E, connection: ResolvedConnection): E {
  error.message = scrub(error.message, connection)
  const command = (error as { command?: { name?: unknown; args?: unknown } }).command
  if (command !== undefined && Array.isArray(command.args)) {
    command.args = command.args.map((arg) => (typeof arg === 'string' ? scrub(arg, connection) : arg))
  }
  return error
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
