import type { ErrorRecord } from '../../http'
import type { RecordKey } from '../../run/input/key-sets'

/** One line of the output file. */
export interface OutputLine {
  /** The record's `--key` field, or its line number in the input. */
  key: RecordKey
  /** The record's 0-based position among the input's records. */
  index: number
  /** The HTTP status of the last answer; null when there was none (network error, timeout). */
  status: number | null
  response?: unknown
  error?: ErrorRecord
  attempts: number
  /** From the first attempt's start to the outcome, retries and waits included. */
  ms: number
}

export function outputLine(
  item: { key: RecordKey; index: number },
  status: number | null,
  result: { response: unknown } | { error: ErrorRecord },
  attempts: number,
  ms: number,
): OutputLine {
  return { key: item.key, index: item.index, status, ...result, attempts, ms: Math.round(ms * 10) / 10 }
}
