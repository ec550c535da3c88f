import { type Command, Option } from 'commander'
import { UsageError } from '../../errors'
import { parseBytes, parseDuration, parseInteger } from '../../flags/parsers'

/** Where a run's requests go: one at a time to the API (`live`), or as one job of the Batch API (`batch`). */
export type Lane = 'live' | 'batch'

/** The lane flags, as commander parsed them. */
export interface LaneFlags {
  via?: Lane
  /** `--deadline`, ms. */
  deadline?: number
  /** `--poll`, ms. */
  poll?: number
  /** `--batch-size`: requests (count). */
  batchSize?: number
  /** `--batch-bytes`: bytes. */
  batchBytes?: number
}

/** The lane flags, checked. */
export interface LaneSettings {
  /** `--via`: `batch` sends every request through the Batch API (jobs of at most `batchSize` requests). */
  via: Lane
  /** `--deadline` (ms): what the limits let finish live by then goes live, the rest through the Batch API. */
  deadline: number | undefined
  /** How often a running batch is read (ms). */
  poll: number
  /** Most requests in one batch's input file (count); more go to the next batch. */
  batchSize: number
  /** Most bytes of one batch's input file; more go to the next batch. */
  batchBytes: number
}

/** `--poll` default: a batch takes minutes to hours; reading it twice a minute costs nothing. */
const DEFAULT_POLL_MS = 30_000

/** `--batch-size` default: OpenAI's Batch API takes up to 50,000 requests in one input file. */
export const DEFAULT_BATCH_SIZE = 50_000

/** `--batch-bytes` default: OpenAI's Batch API takes an input file of up to 200 MB (read as 10^6 bytes a MB). */
export const DEFAULT_BATCH_BYTES = 200_000_000

/** Declares `--via`, `--deadline` and `--poll`. */
export function addLaneFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--via <lane>',
        "'live': each request to the API at its limits; 'batch': all through the Batch API, as jobs of at most --batch-size requests (half the price, within 24 h), resumable",
      )
        .choices(['live', 'batch'])
        .default('live'),
    )
    .addOption(
      new Option(
        '--deadline <duration>',
        'what --rpm/--tpm let finish live by then (2h, 90min) goes live, the rest through the Batch API',
      ).argParser((text: string) => parseDuration('--deadline', text)),
    )
    .addOption(
      new Option('--poll <duration>', 'how often a running batch is read (--via batch, --deadline)')
        .default(DEFAULT_POLL_MS, '30s')
        .argParser((text: string) => parseDuration('--poll', text)),
    )
    .addOption(
      new Option(
        '--batch-size <n>',
        'most requests in one Batch API job; a larger run is split into several (--via batch, --deadline)',
      )
        .default(DEFAULT_BATCH_SIZE, '50000')
        .argParser((text: string) => parseInteger('--batch-size', text, 1)),
    )
    .addOption(
      new Option(
        '--batch-bytes <size>',
        "most bytes of one Batch API job's input file; a larger run is split into several",
      )
        .default(DEFAULT_BATCH_BYTES, '200000000 (200 MB)')
        .argParser((text: string) => parseBytes('--batch-bytes', text, 1024, 2 ** 31)),
    )
}

/** The lane flags checked against the others; a bad combination is a usage error (exit 2). */
export function laneSettings(
  flags: LaneFlags,
  others: { redis: unknown; rpm: number | undefined; tpm: number | undefined },
): LaneSettings {
  const via = flags.via ?? 'live'
  if (usesBatch({ via, deadline: flags.deadline }) && others.redis !== undefined) {
    throw new UsageError(
      '--via batch and --deadline send a Batch API job from this process: not with --redis',
    )
  }
  if (flags.deadline !== undefined && via === 'batch') {
    throw new UsageError(
      '--deadline splits the run between the live API and the Batch API: not with --via batch',
    )
  }
  if (flags.deadline !== undefined && others.rpm === undefined && others.tpm === undefined) {
    throw new UsageError(
      '--deadline needs --rpm or --tpm: the live lane takes what those limits let finish by then',
    )
  }
  return {
    via,
    deadline: flags.deadline,
    poll: flags.poll ?? DEFAULT_POLL_MS,
    batchSize: flags.batchSize ?? DEFAULT_BATCH_SIZE,
    batchBytes: flags.batchBytes ?? DEFAULT_BATCH_BYTES,
  }
}

/** Whether a run goes (in part) through the Batch API. */
export function usesBatch(settings: Pick<LaneSettings, 'via' | 'deadline'>): boolean {
  return settings.via === 'batch' || settings.deadline !== undefined
}
