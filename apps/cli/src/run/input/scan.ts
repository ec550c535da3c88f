import { valueAt } from './field-path'
import { type BadLine, type InputRecord, readJsonl } from './jsonl-input'
import { KeyTable, LineSet, type RecordKey } from './key-sets'
import type { PriorOutcomes } from './prior'

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
 * How a batch keys its records: by their `--key` field (a dotted path reaches into nested objects:
 * `metadata.conv_id`), or by their line number in the input, which stays the same when an earlier
 * line is fixed or skipped.
 */
export function keyOf(field: string | undefined): (record: unknown, line: number) => KeyResult {
  if (field === undefined) return (_record, line) => ({ key: line })
  return (record) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return { reason: `expected a JSON object with a "${field}" field (--key)` }
    }
    const value = valueAt(record, field)
    const reason = keyProblem(value, field)
    return reason === undefined ? { key: value as RecordKey } : { reason }
  }
}

/** How a run keys its records, and how it reads the keys back from its output file. */
export interface KeyRule {
  /** The output line's field that holds the key. */
  field: string
  /** Keys are line numbers (a `LineSet` holds them; no two lines can share one). */
  lineNumbers: boolean
  /** The record's key, or why the record cannot be sent. */
  of(record: unknown, line: number): KeyResult
  /** Why a second record with `key` is refused. */
  duplicate(key: RecordKey): string
  /** Why a key read back from the output file does not fit, or undefined. */
  readBack(key: unknown): string | undefined
  /** Whether a line read back from the output file records a failure. */
  failed(line: Record<string, unknown>): boolean
}

/** `boundkit batch`'s keys: the `--key` field, or the line number, in the output line's `key`. */
export function batchKeys(field: string | undefined): KeyRule {
  return {
    field: 'key',
    lineNumbers: field === undefined,
    of: keyOf(field),
    duplicate: (key) => `duplicate key ${JSON.stringify(key)} (--key ${field} must be unique)`,
    readBack: (key) => {
      const fits =
        field === undefined
          ? Number.isSafeInteger(key) && (key as number) >= 1
          : typeof key === 'string' || typeof key === 'number'
      if (fits) return undefined
      return `key ${JSON.stringify(key)} is not a ${field === undefined ? 'line number: was it written with --key? Resume with the same --key' : `--key ${field} value`}`
    },
    failed: (line) => line.error !== undefined,
  }
}

export interface InputScan {
  /** Records that will be sent or are already done (bad lines excluded). */
  records: number
  /** Malformed lines skipped (`--skip-bad`). */
  badLines: number
  /** Records the output already holds and this run skips. */
  alreadyDone: number
  /** Of `alreadyDone`, those whose newest line is a failure (`--retry-failed` would send them again). */
  alreadyFailed: number
  /** Records whose newest line is a failure, sent again (`--retry-failed`). */
  resend: number
}

/** A record the scan accepted: where it is in the input, its text, its value and its key. */
export interface SelectedRecord extends InputRecord {
  key: RecordKey
}

/**
 * Which input lines a run may send, decided once by the scan: a malformed line, a bad key or a key an
 * earlier line already has is refused, and every later pass over the input (the requests, the
 * compaction's order) reads the input through `records()`, so a line the scan refused is never sent.
 * Memory: the refused line numbers as ranges.
 */
export class InputSelection {
  readonly #input: string
  readonly #keys: KeyRule
  readonly #refused = new LineSet()

  constructor(input: string, keys: KeyRule) {
    this.#input = input
    this.#keys = keys
  }

  /** Refuses the input's line `line` (1-based) for every pass. */
  refuse(line: number): void {
    this.#refused.add(line)
  }

  /** The records the scan accepted, in input order, each with its key. */
  async *records(): AsyncGenerator<SelectedRecord> {
    const refused = this.#refused
    for await (const record of readJsonl(this.#input, {
      skipBad: true,
      check: (_value, line) => (refused.has(line) ? 'refused by the scan' : undefined),
    })) {
      const result = this.#keys.of(record.record, record.line)
      // Only a file changed since the scan gets here with a line the scan did not see.
      if ('reason' in result) continue
      yield { ...record, key: result.key }
    }
  }
}

/** What the scan found, and the selection every later pass reads the input through. */
export interface ScanResult {
  scan: InputScan
  selection: InputSelection
}

/**
 * Reads the input once before any request: counts the records (for progress and ETA) and those
 * already done, and checks every line (JSON, the `--key` field, no duplicate key) so a malformed line
 * fails before anything is sent, or with `skipBad` is refused for the whole run. Memory: with keys
 * that are not line numbers, the keys in a `KeyTable`, dropped when the scan ends; without, nothing
 * that grows with the input.
 */
export async function scanInput(
  settings: { input: string; skipBad: boolean },
  keys: KeyRule,
  prior: PriorOutcomes,
  onBad: (bad: BadLine) => void,
): Promise<ScanResult> {
  const key = keys.of
  const seen = keys.lineNumbers ? undefined : new KeyTable()
  const check = (record: unknown, line: number): string | undefined => {
    const result = key(record, line)
    if ('reason' in result) return result.reason
    if (seen?.add(result.key) === false) return keys.duplicate(result.key)
    return undefined
  }
  const selection = new InputSelection(settings.input, keys)
  const scan: InputScan = { records: 0, badLines: 0, alreadyDone: 0, alreadyFailed: 0, resend: 0 }
  for await (const { record, line } of readJsonl(settings.input, {
    skipBad: settings.skipBad,
    check,
    onBad: (bad) => {
      scan.badLines++
      selection.refuse(bad.line)
      onBad(bad)
    },
  })) {
    scan.records++
    const state = prior.state((key(record, line) as { key: RecordKey }).key)
    if (state === 'retry') scan.resend++
    else if (state !== 'todo') scan.alreadyDone++
    if (state === 'failed') scan.alreadyFailed++
  }
  return { scan, selection }
}
