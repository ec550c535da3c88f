import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startChild, tempDir } from '../test/helpers'

const TOTAL = 3000
const KILLS = 5

/** Checks the file holds only whole lines, ids 0..n-1 in order, and returns n. */
function checkPrefix(file: string): number {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return 0
  }
  if (text !== '') expect(text.endsWith('\n'), 'the file ends with a whole line').toBe(true)
  const lines = text === '' ? [] : text.slice(0, -1).split('\n')
  lines.forEach((line, i) => {
    const id = (JSON.parse(line) as { id: number }).id
    if (id !== i) expect(id, `line ${i + 1}`).toBe(i)
  })
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
