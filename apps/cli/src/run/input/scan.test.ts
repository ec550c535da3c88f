import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeySet, LineSet } from './key-sets'
import { PriorOutcomes } from './prior'
import { batchKeys, scanInput } from './scan'

setFlagsFromString('--expose_gc')
const gc = runInNewContext('gc') as () => void

/** Live memory after a full collection: the heap and the array buffers (where a KeyTable keeps its keys). */
function live(): number {
  gc()
  const memory = process.memoryUsage()
  return memory.heapUsed + memory.arrayBuffers
}

// Enough records that the heap's own noise between two samples (a few hundred KB after a full
// collection, more on Node 24) weighs well under a byte a record.
const RECORDS = 1_000_000
let dir: string
let input: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-scan-'))
  input = join(dir, 'in.jsonl')
  const lines = Array.from(
    { length: RECORDS },
    (_, i) => `{"id":"conv-${String(i).padStart(7, '0')}","q":"?"}`,
  )
  await writeFile(input, `${lines.join('\n')}\n`)
})

afterAll(() => rm(dir, { recursive: true, force: true }))

/**
 * Scans the input with a done-set that, every 100,000 records, measures what the scan keeps alive:
 * resolves with the growth from the first sample to the largest later one, in bytes a record.
 */
async function growthPerRecord(key: string | undefined): Promise<number> {
  const samples: number[] = []
  let seen = 0
  const probe: KeySet = {
    size: 0,
    add: () => true,
    has: () => {
      if (seen++ % 100_000 === 0) samples.push(live())
      return false
    },
  }
  const { scan } = await scanInput(
    { input, skipBad: false },
    batchKeys(key),
    new PriorOutcomes(probe, false),
    () => {},
  )
  expect(scan).toEqual({ records: RECORDS, badLines: 0, alreadyDone: 0, alreadyFailed: 0, resend: 0 })
  const first = samples[0] as number
  return (Math.max(...samples) - first) / (seen - 100_000)
}

// Issue 18 #13: the memory of a batch does not grow with its input without --key, and stays lean with it.
describe('scanInput memory', () => {
  it('keeps nothing per record without --key', async () => {
    expect(await growthPerRecord(undefined)).toBeLessThan(2)
  })

  it('keeps each --key value in about 33 bytes (a Set of the strings and an array took over 70)', async () => {
    expect(await growthPerRecord('id')).toBeLessThan(45)
  })
})

describe('LineSet as the done-set of a run without --key', () => {
  it('answers for line numbers only', () => {
    const done = new LineSet()
    done.add(3)
    expect(done.has(3) && !done.has('3') && !done.has(4)).toBe(true)
  })
})

describe('InputSelection: the scan decides which lines are sent, for every pass', () => {
  it('never yields a line the scan refused: a duplicate key, a bad key, malformed JSON', async () => {
    const path = join(dir, 'dup.jsonl')
    await writeFile(
      path,
      '{"id":"a","n":1}\n{"id":"b","n":2}\n{"id":"a","n":3}\n{"n":4}\n{"id":\n{"id":"c","n":6}\n',
    )
    const bad: number[] = []
    const { scan, selection } = await scanInput(
      { input: path, skipBad: true },
      batchKeys('id'),
      new PriorOutcomes(new LineSet(), false),
      (line) => bad.push(line.line),
    )
    expect(bad).toEqual([3, 4, 5])
    expect(scan.records).toBe(3)
    const passes = []
    // Two passes (the requests, then the compaction's order) read the same records.
    for (let pass = 0; pass < 2; pass++) {
      const records = []
      for await (const { key, line, index, record } of selection.records()) {
        records.push({ key, line, index, n: (record as { n: number }).n })
      }
      passes.push(records)
    }
    const expected = [
      { key: 'a', line: 1, index: 0, n: 1 },
      { key: 'b', line: 2, index: 1, n: 2 },
      { key: 'c', line: 6, index: 2, n: 6 },
    ]
    expect(passes).toEqual([expected, expected])
  })
})
