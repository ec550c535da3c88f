import { statSync } from 'node:fs'
import { UsageError } from '../../errors'
import { type AuthFlags, authHeaders } from '../../flags/auth'
import { type MetricsFlags, type MetricsSettings, metricsSettings } from '../../flags/metrics'
import { parseRedis, type RedisSettings } from '../../flags/redis'

/** The flags of `boundkit worker`, as commander parsed them. */
export interface WorkerFlags extends AuthFlags, MetricsFlags {
  redis: string
  queue: string
  concurrency: number
  /** Timeout of one request, ms. */
  timeout: number
  lockDuration?: number
  closeTimeout: number
  header?: [string, string][]
  /** The origins requests may go to (`--origin`, repeatable). */
  origin?: string[]
  /** The worker files pool jobs may run (`--worker-file`, repeatable). */
  workerFile?: string[]
  /** This worker's name in the producer's page and stats (default `<hostname>:<pid>`). */
  name?: string
  json?: boolean
}

export interface WorkerSettings {
  redis: RedisSettings
  name: string | undefined
  concurrency: number
  timeout: number
  /** The queue's default (5 s) unless given. */
  lockDuration: number | undefined
  closeTimeout: number
  /** The secrets this worker adds to every request it makes: never put in Redis. */
  headers: Record<string, string>
  /** The only origins requests may go to; undefined: any (there are no secrets to send). */
  origins: string[] | undefined
  /** The worker files pool jobs may run. */
  workerFiles: string[]
  /** `--metrics`: where to serve Prometheus' `/metrics` of this worker. */
  metrics: MetricsSettings
  json: boolean
}

/** The flags checked together; a bad combination is a usage error (exit 2), before connecting. */
export function workerSettings(flags: WorkerFlags, env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const redis = parseRedis(flags)
  if (flags.azure === true && flags.apiKeyEnv === undefined) {
    throw new UsageError('--azure goes with --api-key-env (the variable holding the key)')
  }
  const headers = {
    ...(flags.apiKeyEnv === undefined ? {} : authHeaders(flags, env)),
    ...Object.fromEntries(flags.header ?? []),
  }
  if (Object.keys(headers).length > 0 && flags.origin === undefined) {
    throw new UsageError(
      '--header and --api-key-env go with --origin: the origins (https://api.openai.com) the credentials may be sent to, and the only ones the jobs may ask',
      'ERR_ORIGIN_NEEDED',
    )
  }
  for (const file of flags.workerFile ?? []) {
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) {
      throw new UsageError(`Expected --worker-file to name an existing file, got '${file}'`)
    }
  }
  return {
    redis,
    name: flags.name,
    concurrency: flags.concurrency,
    timeout: flags.timeout,
    lockDuration: flags.lockDuration,
    closeTimeout: flags.closeTimeout,
    headers,
    origins: flags.origin,
    workerFiles: flags.workerFile ?? [],
    metrics: metricsSettings(flags),
    json: flags.json === true,
  }
}
