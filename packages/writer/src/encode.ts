import { describeValue } from '@boundkit/internal'
import { WriterError } from './errors'
import type { WriterFormat } from './options'

/** A record turned into what goes into the file: a line with its newline, or raw bytes. */
export type Encoded = string | Uint8Array

function invalid(message: string, cause?: unknown): WriterError {
  return new WriterError('ERR_INVALID_RECORD', message, cause === undefined ? undefined : { cause })
}

function encodeJson(record: unknown): string {
  let json: string | undefined
  try {
    json = JSON.stringify(record)
  } catch (cause) {
    // BigInt, cycles, a throwing toJSON.
    throw invalid(`Cannot encode the record as JSON: ${(cause as Error).message}`, cause)
  }
  if (json === undefined) throw invalid(`Cannot encode ${describeValue(record)} as a JSON line`)
  return `${json}\n`
}

function encodeText(record: unknown): string {
  if (typeof record !== 'string') throw invalid(`Expected a string record, got ${describeValue(record)}`)
  if (record.includes('\n') || record.includes('\r')) {
    throw invalid('A text record must not contain a line break (\\n or \\r)')
  }
  return `${record}\n`
}

function encodeBytes(record: unknown): Uint8Array {
  if (!(record instanceof Uint8Array)) {
    throw invalid(`Expected a Uint8Array record, got ${describeValue(record)}`)
  }
  return record
}

/** The encoder for a format; it throws `ERR_INVALID_RECORD` for a record the format cannot hold. */
export function encoderFor(format: WriterFormat): (record: unknown) => Encoded {
  if (format === 'jsonl') return encodeJson
  if (format === 'text') return encodeText
  return encodeBytes
}
