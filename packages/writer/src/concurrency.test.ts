import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { linesOf, tempDir } from '../test/helpers'
import { type Durability, openWriter } from './index'

const RECORDS = 100_000
const PRODUCERS = 200

/** A small real delay: sometimes a macrotask turn, sometimes a few microtasks, sometimes none. */
function randomDelay(): Promise<void> | undefined {
  const r = Math.random()
  if (r < 0.2) return new Promise((resolve) => setImmediate(resolve))
  if (r < 0.5) return Promise.resolve().then(() => undefined)
  return undefined
}

/** Producers take the next index from a shared counter, wait a little, then write it. */
async function produce(write: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < RECORDS) {
        const i = next++
        await randomDelay()
        await write(i)
      }
    }),
  )
}

function record(i: number) {
  return { id: i, text: `record ${i} `.padEnd(40 + (i % 37), 'x') }
}

describe(`${PRODUCERS} concurrent producers, ${RECORDS} records with random delays`, () => {
  it.each<[Durability, number]>([
    ['flush', 512],
    ['none', 64],
  ])(
    'ordered (%s, maxPending %i): every record once, whole lines, in seq order',
    async (durability, maxPending) => {
      const file = join(tempDir(), 'out.jsonl')
      const writer = await openWriter(file, { ordered: true, durability, maxPending })
      let peak = 0
      await produce(async (i) => {
        const promise = writer.write(record(i), { seq: i })
        peak = Math.max(peak, writer.stats().queued)
        await promise
      })
      await writer.close()
      expect(peak).toBeLessThanOrEqual(maxPending)
      const lines = linesOf(file)
      expect(lines).toHaveLength(RECORDS)
      lines.forEach((line, i) => {
        const parsed = JSON.parse(line) as ReturnType<typeof record>
        if (parsed.id !== i) expect(parsed.id).toBe(i)
        if (parsed.text !== record(i).text) expect(parsed).toEqual(record(i))
      })
    },
  )

  it('unordered: every record exactly once, every line whole', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { maxPending: 1000 })
    await produce((i) => writer.write(record(i)))
    await writer.close()
    const lines = linesOf(file)
    expect(lines).toHaveLength(RECORDS)
    const seen = new Uint8Array(RECORDS)
    for (const line of lines) {
      const parsed = JSON.parse(line) as ReturnType<typeof record>
      if (parsed.text !== record(parsed.id).text) expect(parsed).toEqual(record(parsed.id))
      seen[parsed.id]!++
    }
    expect(seen.every((count) => count === 1)).toBe(true)
  })

  it("ordered 'fsync' with producers that finish out of order", async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { ordered: true, durability: 'fsync', maxPending: 256 })
    let next = 0
    const total = 20_000
    await Promise.all(
      Array.from({ length: PRODUCERS }, async () => {
        while (next < total) {
          const i = next++
          for (let k = Math.floor(Math.random() * 3); k > 0; k--) await new Promise((r) => setImmediate(r))
          await writer.write(record(i), { seq: i })
        }
      }),
    )
    await writer.close()
    const ids = linesOf(file).map((line) => (JSON.parse(line) as { id: number }).id)
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i))
  })
})
