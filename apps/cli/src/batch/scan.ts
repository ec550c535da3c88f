import { type BadLine, readJsonl } from '../jsonl-input'
import type { BatchSettings } from './output'

export interface InputScan {
  /** Records that will be sent (bad lines excluded). */
  records: number
  /** The key of every record, in input order. */
  keys: (string | number)[]
  /** Line numbers of skipped malformed lines. */
  badLines: Set<number>
  /** The key of a record: its `--key` field, or its index. */
  keyOf(record: unknown, index: number): string | number
}

/**
 * Reads the input once before any request: counts the records (for progress and ETA), checks every
 * line (JSON, the `--key` field present, no duplicate key) so a malformed line fails before anything
 * is sent, and collects the keys that `--resume` compares with the output.
 */
export async function scanInput(settings: BatchSettings, onBad: (bad: BadLine) => void): Promise<InputScan> {
  const field = settings.key
  const keyOf = (record: unknown, index: number): string | number =>
    field === undefined ? index : ((record as Record<string, string | number>)[field] as string | number)
  const seen = new Set<string | number>()
  const keys: (string | number)[] = []
  const badLines = new Set<number>()
  let pendingKey: string | number | undefined
  const check = (record: unknown): string | undefined => {
    if (field === undefined) return undefined
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return `expected a JSON object with a "${field}" field (--key)`
    }
    const value = (record as Record<string, unknown>)[field]
    if (typeof value !== 'string' && typeof value !== 'number') {
      return `expected field "${field}" (--key) to be a string or a number, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`
    }
    if (seen.has(value)) return `duplicate key ${JSON.stringify(value)} (--key ${field} must be unique)`
    pendingKey = value
    return undefined
  }
  for await (const { record, index } of readJsonl(settings.input, {
    skipBad: settings.skipBad,
    check,
    onBad: (bad) => {
      badLines.add(bad.line)
      onBad(bad)
    },
  })) {
    const key = field === undefined ? index : (pendingKey as string | number)
    seen.add(key)
    keys.push(key)
    void record
  }
  return { records: keys.length, keys, badLines, keyOf }
}
