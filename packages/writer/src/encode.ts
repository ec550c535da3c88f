import { describeValue, messageOf } from '@boundkit/internal'
import { WriterError } from './errors'
import type { WriterFormat } from './options'

/** A record turned into what goes into the file: a line with its newline, or raw bytes. */
export type Encoded = string | Uint8Array

function invalid(message: string, cause?: unknown): WriterError {
  return new WriterError('ERR_INVALID_RECORD', message, cause === undefined ? undefined : { cause })
}

function encodeJson(record: unknown): string {
  // JSON.stringify throws on a BigInt, a cycle or a throwing toJSON, and a RangeError past V8's
  // string limit; the caller turns each into ERR_INVALID_RECORD.
  const json = JSON.stringify(record)
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

/**
 * The encoder for a format. It throws `ERR_INVALID_RECORD` for a record the format cannot hold,
 * including a line longer than V8's string limit (about 512 Mi characters).
 */
export function encoderFor(format: WriterFormat): (record: unknown) => Encoded {
  const encode = format === 'jsonl' ? encodeJson : format === 'text' ? encodeText : encodeBytes
  return (record) => {
    try {
      return encode(record)
    } catch (error) {
      if (error instanceof WriterError) throw error
      throw invalid(`Cannot encode the record: ${messageOf(error)}`, error)
    }
  }
}
