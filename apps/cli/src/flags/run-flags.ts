import { resolve } from 'node:path'
import { type Command, Option } from 'commander'
import { UsageError } from '../errors'
import { addLiveFlags, type LiveFlags, type LiveSettings, liveSettings } from './live'
import { addMetricsFlags, type MetricsFlags, metricsSettings } from './metrics'
import { parseBytes, parseHeader, parseResume } from './parsers'
import { DEFAULT_QUEUE, parseRedisOptions, type RedisSettings } from './redis'

/** The flags `batch` and `llm` share (the runner's), as commander parsed them. */
export interface RunFlags extends LiveFlags, MetricsFlags {
  out: string
  errors?: string
  maxResponseBytes: number
  header?: [string, string][]
  resume?: boolean
  retryFailed?: boolean
  skipBad?: boolean
  json?: boolean
  redis?: string
  queue?: string
}

/** The shared flags, checked: what the runner and the request need of them. */
export interface RunFlagSettings {
  out: string
  /** `--errors`: the failed lines also go to this file. */
  errors: string | undefined
  /** The largest response body read, bytes; past it the record fails with `ERR_RESPONSE_TOO_LARGE`. */
  maxResponseBytes: number
  headers: Record<string, string>
  resume: boolean
  /** With `resume`: send again the records whose newest line in the output is a failure. */
  retryFailed: boolean
  skipBad: boolean
  json: boolean
  /** With `--redis`: workers make the requests, this process enqueues them and writes the output. */
  redis: RedisSettings | undefined
  live: LiveSettings
}

/** `--max-response-bytes` default: 32 MiB. */
const DEFAULT_MAX_RESPONSE_BYTES = 32 * 2 ** 20
/** The highest `--max-response-bytes`: a body is held as one string, and V8 strings stop near 512 MiB. */
const MAX_RESPONSE_BYTES = 256 * 2 ** 20

/** What a command calls the units of its input in the help: `records`, `requests`, `custom_id`s. */
export interface RunNouns {
  /** The output file's help. */
  out: string
  /** What `--resume` skips: `the records it already holds`. */
  resume: string
  /** What `--retry-failed` sends again, and what the output ends with. */
  retryFailed: string
}

/**
 * Declares the flags `batch` and `llm` share: the output, headers, the response cap, resume, bad
 * lines, JSON, the distributed mode and the live view.
 */
export function addRunFlags(command: Command, nouns: RunNouns): Command {
  command
    .addOption(new Option('--out <file>', nouns.out).makeOptionMandatory())
    .option(
      '--errors <file>',
      "also write the failed lines to <file>, as the Batch API's error file (rewritten at the end of a run: each record whose newest line is a failure)",
    )
    .addOption(
      new Option(
        '--max-response-bytes <n>',
        'largest response body read (bytes, or 64KiB, 32MiB); past it the record fails with ERR_RESPONSE_TOO_LARGE',
      )
        .default(DEFAULT_MAX_RESPONSE_BYTES, '32MiB')
        .argParser((text: string) => parseBytes('--max-response-bytes', text, 1, MAX_RESPONSE_BYTES)),
    )
    .addOption(
      new Option('--header <K: V>', 'add a request header (repeatable)').argParser(
        (text: string, previous: [string, string][] | undefined) => [...(previous ?? []), parseHeader(text)],
      ),
    )
    .option('--resume', `keep the output file and skip ${nouns.resume}`)
    .option('--retry-failed', nouns.retryFailed)
    .option('--skip-bad', 'skip malformed input lines (reported with their line number) instead of failing')
    .option('--json', 'print the final summary as JSON on stdout')
    .option(
      '--redis <url>',
      'enqueue the records in Redis as jobs; `boundkit worker` processes (here or on other machines) make the requests',
    )
    .option(
      '--queue <name>',
      `with --redis: the queue's name, the workers' --queue (default: ${DEFAULT_QUEUE})`,
    )
  return addMetricsFlags(
    addLiveFlags(command),
    'the run (records done and failed, requests, 429s, cooldowns; with --redis, each worker)',
  )
}

/**
 * The shared flags checked together (a usage error, exit 2): `--retry-failed` with `--resume`, and with
 * `--redis` the options it refuses (`given`: the options typed; `notWithRedis`: the command's own).
 */
export function runFlagSettings(
  flags: RunFlags,
  given: readonly string[],
  notWithRedis?: Record<string, string>,
): RunFlagSettings {
  if (flags.out.trim() === '') throw new UsageError('Expected --out to name a file')
  if (
    flags.errors !== undefined &&
    (flags.errors.trim() === '' || resolve(flags.errors) === resolve(flags.out))
  ) {
    throw new UsageError(`Expected --errors to name a file other than --out, got '${flags.errors}'`)
  }
  return {
    out: flags.out,
    errors: flags.errors,
    maxResponseBytes: flags.maxResponseBytes,
    headers: Object.fromEntries(flags.header ?? []),
    ...parseResume(flags),
    skipBad: flags.skipBad === true,
    json: flags.json === true,
    redis: parseRedisOptions(flags, given, notWithRedis),
    live: { ...liveSettings(flags), metrics: metricsSettings(flags) },
  }
}
