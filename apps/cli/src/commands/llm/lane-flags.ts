import { type Command, Option } from 'commander'
import { UsageError } from '../../errors'
import { parseDuration } from '../../flags/parsers'

/** Where a run's requests go: one at a time to the API (`live`), or as one job of the Batch API (`batch`). */
export type Lane = 'live' | 'batch'

/** The lane flags, as commander parsed them. */
export interface LaneFlags {
  via?: Lane
  /** `--deadline`, ms. */
  deadline?: number
  /** `--poll`, ms. */
  poll?: number
}

/** The lane flags, checked. */
export interface LaneSettings {
  /** `--via`: `batch` sends every request as one Batch API job. */
  via: Lane
  /** `--deadline` (ms): what the limits let finish live by then goes live, the rest through the Batch API. */
  deadline: number | undefined
  /** How often a running batch is read (ms). */
  poll: number
}

/** `--poll` default: a batch takes minutes to hours; reading it twice a minute costs nothing. */
const DEFAULT_POLL_MS = 30_000

/** Declares `--via`, `--deadline` and `--poll`. */
export function addLaneFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--via <lane>',
        "'live': each request to the API at its limits; 'batch': all as one Batch API job (half the price, within 24 h), resumable",
      )
        .choices(['live', 'batch'])
        .default('live'),
    )
    .addOption(
      new Option(
        '--deadline <duration>',
        'what --rpm/--tpm let finish live by then (2h, 90min) goes live, the rest as one Batch API job',
      ).argParser((text: string) => parseDuration('--deadline', text)),
    )
    .addOption(
      new Option('--poll <duration>', 'how often a running batch is read (--via batch, --deadline)')
        .default(DEFAULT_POLL_MS, '30s')
        .argParser((text: string) => parseDuration('--poll', text)),
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
  return { via, deadline: flags.deadline, poll: flags.poll ?? DEFAULT_POLL_MS }
}

/** Whether a run goes (in part) through the Batch API. */
export function usesBatch(settings: Pick<LaneSettings, 'via' | 'deadline'>): boolean {
  return settings.via === 'batch' || settings.deadline !== undefined
}
