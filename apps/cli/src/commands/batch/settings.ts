import { UsageError } from '../../errors'
import { type RunFlagSettings, type RunFlags, runFlagSettings } from '../../flags/run-flags'

/** The flags of `boundkit batch`, as commander parsed them. */
export interface BatchFlags extends RunFlags {
  url: string
  concurrency: number
  rate?: { limit: number; interval: number }
  retries: number
  /** Timeout of one attempt, ms. */
  timeout: number
  key?: string
}

/** The batch options, checked. */
export interface BatchSettings extends RunFlagSettings {
  input: string
  url: string
  concurrency: number
  rate: { limit: number; interval: number } | undefined
  retries: number
  /** Timeout of one attempt, ms. */
  timeout: number
  /** The `--key` field; without it a record's key is its line number. */
  key: string | undefined
}

/** The flags checked together; a bad combination is a usage error (exit 2), before any request. */
export function batchSettings(
  input: string,
  flags: BatchFlags,
  given: readonly string[] = [],
): BatchSettings {
  if (flags.key !== undefined && flags.key.trim() === '')
    throw new UsageError('Expected --key to name a field, got an empty string')
  return {
    ...runFlagSettings(flags, given),
    input,
    url: flags.url,
    concurrency: flags.concurrency,
    rate: flags.rate,
    retries: flags.retries,
    timeout: flags.timeout,
    key: flags.key,
  }
}
