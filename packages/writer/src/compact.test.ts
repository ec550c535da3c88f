import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { linesOf, startChild, tempDir } from '../test/helpers'
import { compactFile, openWriter } from './index'

const byId = (record: unknown) => (record as { id: unknown }).id

function writeLines(file: string, records: unknown[], tail = ''): void {
  writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n${tail}`)
}

const parsed = (file: string) => linesOf(file).map((line) => JSON.parse(line))

describe('compactFile', () => {
  it('keeps the last line of each key, in the order given, then the other keys where they first were', async () => {
    const file = join(tempDir(), 'out.jsonl')
    writeLines(file, [
      { id: 'a', ok: false },
      { id: 'x', ok: true },
      { id: 'b', ok: true },
      { id: 'c', ok: false },
      { id: 'a', ok: true },
      { id: 'c', ok: false, try: 2 },
      { id: 'y', ok: true },
    ])
    const result = await compactFile(file, byId, { order: ['a', 'missing', 'b', 'c', 'a'] })
    expect(result).toEqual({ linesRead: 7, linesWritten: 5, rewritten: true })
    expect(parsed(file)).toEqual([
      { id: 'a', ok: true },
      { id: 'b', ok: true },
      { id: 'c', ok: false, try: 2 },
      { id: 'x', ok: true },
      { id: 'y', ok: true },
    ])
    expect(existsSync(`${file}.compact`)).toBe(false)
    expect(existsSync(`${file}.lock`)).toBe(false)
  })

  it('takes the order from an async iterable, and keeps multi-byte text and lines past 1 MiB whole', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const big = 'é'.repeat(700_000)
    writeLines(file, [
      { id: 2, t: 'ünï' },
      { id: 1, t: big },
      { id: 2, t: '😀 second' },
      { id: 0, t: 'z' },
    ])
    async function* order() {
      yield* [0, 1, 2]
    }
    await compactFile(file, byId, { order: order() })
    expect(parsed(file)).toEqual([
      { id: 0, t: 'z' },
      { id: 1, t: big },
      { id: 2, t: '😀 second' },
    ])
  })

  it('leaves a file that is already compact as it was (same inode) and cuts a torn last line', async () => {
    const file = join(tempDir(), 'out.jsonl')
    writeLines(file, [{ id: 0 }, { id: 1 }], '{"id":2,"to')
    const inode = statSync(file).ino
    expect(await compactFile(file, byId, { order: [0, 1, 2] })).toEqual({
      linesRead: 2,
      linesWritten: 2,
      rewritten: false,
    })
    expect(statSync(file).ino).toBe(inode)
    expect(readFileSync(file, 'utf8')).toBe('{"id":0}\n{"id":1}\n')
  })

  it('keeps the file mode, and a missing file gives zero lines', async () => {
    const dir = tempDir()
    const file = join(dir, 'out.jsonl')
    writeLines(file, [{ id: 0 }, { id: 0, v: 2 }])
    const { chmodSync } = await import('node:fs')
    chmodSync(file, 0o640)
    await compactFile(file, byId)
    expect(statSync(file).mode & 0o777).toBe(0o640)
    expect(await compactFile(join(dir, 'none.jsonl'), byId)).toEqual({
      linesRead: 0,
      linesWritten: 0,
      rewritten: false,
    })
  })

  it('refuses while a writer holds the file, and checks its options', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file)
    await expect(compactFile(file, byId)).rejects.toMatchObject({ code: 'ERR_LOCKED' })
    await writer.close()
    await expect(compactFile(file, byId, { order: 5 as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: expect.stringContaining('`order`'),
    })
    await expect(compactFile(file, 'id' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    writeFileSync(file, '{"id":1}\nnot json\n')
    await expect(compactFile(file, byId)).rejects.toMatchObject({ code: 'ERR_CORRUPT_LINE', line: 2 })
  })
})

describe('kill -9 while appending new versions and compacting', () => {
  const COUNT = 3000
  const KILLS = 6

  it(`leaves whole lines that a further compaction turns into one newest line per key (${KILLS} kills)`, async () => {
    const file = join(tempDir(), 'out.jsonl')
    for (let round = 0; round < KILLS; round++) {
      const run = startChild('compact-child.mjs', [file, String(COUNT)])
      await run.waitFor((line) => line === 'start')
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 400))
      expect(run.child.kill('SIGKILL')).toBe(true)
      await run.exited
      const appended = Math.max(
        0,
        ...run.lines.filter((l) => l.startsWith('appended ')).map((l) => Number(l.slice(9))),
      )
      // Whatever the moment: whole lines (a torn tail only from an append), then one compaction gives
      // one line per id, in id order, each at least the version acknowledged last.
      const result = await compactFile(file, byId, { order: Array.from({ length: COUNT }, (_, i) => i) })
      // (A kill before the first open leaves no file at all.)
      const records = (existsSync(file) ? parsed(file) : []) as { id: number; v: number }[]
      if (records.length > 0 || appended > 0) {
        expect(result.linesWritten).toBe(COUNT)
        expect(records.map((r) => r.id)).toEqual(Array.from({ length: COUNT }, (_, i) => i))
        for (const record of records) expect(record.v).toBeGreaterThanOrEqual(appended)
      }
      expect(existsSync(`${file}.compact`)).toBe(false)
    }
  }, 120_000)
})
