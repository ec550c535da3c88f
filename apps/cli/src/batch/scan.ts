import { type BadLine, readJsonl } from '../jsonl-input'
import { type KeySet, KeyTable, type RecordKey } from './key-sets'
import type { BatchSettings } from './settings'

/** A record's key, or why the record cannot be sent. */
export type KeyResult = { key: RecordKey } | { reason: string }

/** Why a `--key` value cannot be a key: one that would not come back the same from the output file. */
function keyProblem(value: unknown, field: string): string | undefined {
  if (typeof value === 'string') return undefined
  if (typeof value !== 'number') {
    return `expected field "${field}" (--key) to be a string or a number, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`
  }
  if (!Number.isFinite(value)) {
    return `field "${field}" (--key) is a number too large for JSON to keep (it parses to ${value} and would be written as null); use a string`
  }
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return `field "${field}" (--key) is an integer past 2^53 - 1 that JSON numbers cannot keep exactly (it parses to ${value}); use a string`
  }
  return undefined
}

/**
 * How a batch keys its records: by their `--key` field, or by their line number in the input, which
 * stays the same when an earlier line is fixed or skipped.
 */
export function keyOf(field: string | undefined): (record: unknown, line: number) => KeyResult {
  if (field === undefined) return (_record, line) => ({ key: line })
  return (record) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return { reason: `expected a JSON object with a "${field}" field (--key)` }
    }
    const value = (record as Record<string, unknown>)[field]
    const reason = keyProblem(value, field)
    return reason === undefined ? { key: value as RecordKey } : { reason }
  }
}

export interface InputScan {
  /** Records that will be sent or are already done (bad lines excluded). */
  records: number
  /** Malformed lines skipped (`--skip-bad`). */
  badLines: number
  /** Records whose key the output already holds. */
  alreadyDone: number
}

/**
 * Reads the input once before any request: counts the records (for progress and ETA) and those
 * already done, and checks every line (JSON, the `--key` field, no duplicate key) so a malformed line
 * fails before anything is sent. Memory: with `--key`, the keys in a `KeyTable`; without, nothing
 * that grows with the input.
 */
export async function scanInput(
  settings: BatchSettings,
  done: KeySet,
  onBad: (bad: BadLine) => void,
): Promise<InputScan> {
  const field = settings.key
  const key = keyOf(field)
  const seen = field === undefined ? undefined : new KeyTable()
  const check = (record: unknown, line: number): string | undefined => {
    const result = key(record, line)
    if ('reason' in result) return result.reason
    if (seen?.add(result.key) === false) {
      return `duplicate key ${JSON.stringify(result.key)} (--key ${field} must be unique)`
    }
    return undefined
  }
  const scan: InputScan = { records: 0, badLines: 0, alreadyDone: 0 }
  for await (const { record, line } of readJsonl(settings.input, {
    skipBad: settings.skipBad,
    check,
    onBad: (bad) => {
      scan.badLines++
      onBad(bad)
    },
  })) {
    scan.records++
    if (done.has((key(record, line) as { key: RecordKey }).key)) scan.alreadyDone++
  }
  return scan
}
