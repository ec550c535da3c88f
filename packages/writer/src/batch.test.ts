import { describe, expect, it } from 'vitest'
import { openWriter } from './index'

const MiB = 2 ** 20
const COUNT = 600
/** One 1 MiB line; every record is this same string, so the test itself holds 1 MiB, not 600. */
const line = 'x'.repeat(MiB)

describe(`${COUNT} records of 1 MiB written at once (past V8's string limit in one batch)`, () => {
  it.each([false, true])('settles every write and cuts batches at 8 MiB (ordered: %s)', async (ordered) => {
    const writer = await openWriter<string>('/dev/null', {
      lock: false,
      format: 'text',
      ordered,
      maxPending: COUNT,
    })
    const seqs = Array.from({ length: COUNT }, (_, i) => (ordered ? COUNT - 1 - i : undefined))
    const writes = seqs.map((seq) => writer.write(line, { seq }))
    const results = await Promise.allSettled(writes)
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    await writer.close()
    const stats = writer.stats()
    expect(stats.done).toBe(COUNT)
    expect(stats.bytesWritten).toBe(COUNT * (MiB + 1))
    // No batch above 8 MiB: at least ceil(600 MiB / 8 MiB) of them.
    expect(stats.batches).toBeGreaterThanOrEqual(Math.ceil((COUNT * (MiB + 1)) / (8 * MiB)))
  })
})
