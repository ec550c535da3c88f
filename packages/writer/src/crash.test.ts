import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startChild, tempDir } from '../test/helpers'

const TOTAL = 3000
const KILLS = 5

/** The line the child writes for `id` (see test/fixtures/crash-child.mjs). */
const lineFor = (id: number) => JSON.stringify({ id, payload: 'p'.repeat(40 + (id % 50)) })

/**
 * Checks the file holds whole lines with ids 0..n-1 in order, and returns n. A kill that lands inside
 * a `write` call may leave part of the next line after the last newline (Linux can cut a write short
 * on a fatal signal); that tail must then be a prefix of the line that was being written, which the
 * next open cuts off.
 */
function checkPrefix(file: string): number {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return 0
  }
  const end = text.lastIndexOf('\n') + 1
  const lines = end === 0 ? [] : text.slice(0, end - 1).split('\n')
  lines.forEach((line, i) => {
    if (line !== lineFor(i)) expect(line, `line ${i + 1}`).toBe(lineFor(i))
  })
  const tail = text.slice(end)
  if (tail !== '') expect(lineFor(lines.length).startsWith(tail), `torn tail ${tail}`).toBe(true)
  return lines.length
}

describe("kill -9 while writing with durability 'fsync'", () => {
  it(`keeps every acknowledged record, only whole lines, and resumes with no duplicate and no gap (${KILLS} kills)`, async () => {
    const file = join(tempDir(), 'out.jsonl')
    let previous = 0
    let kills = 0
    for (let round = 0; round < KILLS; round++) {
      const run = startChild('crash-child.mjs', [file, String(TOTAL)])
      const start = await run.waitFor((line) => line.startsWith('start '))
      // The resumed run continues right after the lines that are in the file.
      expect(Number(start.split(' ')[1])).toBe(previous)
      const acked = new Set<number>()
      const killAfter = 1 + Math.floor(Math.random() * 300)
      await new Promise<void>((resolve) => {
        run.onLine((line) => {
          if (line.startsWith('ack ')) acked.add(Number(line.slice(4)))
          if (acked.size >= killAfter || line === 'done') resolve()
        })
        void run.exited.then(() => resolve())
      })
      // A random moment: after some acknowledgements, plus a random number of event-loop turns.
      for (let k = Math.floor(Math.random() * 20); k > 0; k--) await new Promise((r) => setImmediate(r))
      const killed = run.child.kill('SIGKILL')
      const exit = await run.exited
      if (killed && exit.signal === 'SIGKILL') kills++
      const lines = checkPrefix(file)
      for (const id of acked) {
        if (id >= lines) expect.fail(`acknowledged record ${id} is missing (the file has ${lines} lines)`)
      }
      expect(lines).toBeGreaterThanOrEqual(previous)
      previous = lines
    }
    expect(kills).toBe(KILLS)
    const last = startChild('crash-child.mjs', [file, String(TOTAL)])
    const { code } = await last.exited
    expect(code, last.stderr()).toBe(0)
    expect(last.lines.at(-1)).toBe('done')
    expect(checkPrefix(file)).toBe(TOTAL)
  }, 120_000)
})
