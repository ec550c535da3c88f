import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { linesOf, tempDir } from '../test/helpers'
import { openWriter, readCompleted } from './index'

const byId = (record: unknown) => (record as { id: number }).id

describe('resume', () => {
  it('cuts a torn last line, exposes the keys written and continues the sequence', async () => {
    const file = join(tempDir(), 'out.jsonl')
    writeFileSync(file, '{"id":0}\n{"id":1}\n{"id":2}\n{"id":3,"te')
    const writer = await openWriter(file, { resume: true, key: byId, ordered: true })
    expect([...writer.completed]).toEqual([0, 1, 2])
    expect(writer.nextSeq).toBe(3)
    expect(readFileSync(file, 'utf8')).toBe('{"id":0}\n{"id":1}\n{"id":2}\n')
    await expect(writer.write({ id: 2 }, { seq: 2 })).rejects.toMatchObject({ code: 'ERR_INVALID_SEQ' })
    await Promise.all([writer.write({ id: 4 }, { seq: 4 }), writer.write({ id: 3 }, { seq: 3 })])
    await writer.close()
    expect(linesOf(file).map((line) => JSON.parse(line).id)).toEqual([0, 1, 2, 3, 4])
  })

  it('adds the lines already there to startSeq', async () => {
    const file = join(tempDir(), 'out.jsonl')
    writeFileSync(file, '{"id":"a"}\n{"id":"b"}\n')
    const writer = await openWriter(file, { resume: true, ordered: true, startSeq: 100 })
    expect(writer.nextSeq).toBe(102)
    expect(writer.completed.size).toBe(0)
    await writer.close()
  })

  it('starts empty on a missing file', async () => {
    const file = join(tempDir(), 'new.jsonl')
    const writer = await openWriter(file, { resume: true, key: byId, ordered: true })
    expect(writer.completed.size).toBe(0)
    expect(writer.nextSeq).toBe(0)
    await writer.close()
  })

  it('reports a malformed line in the middle with its line number', async () => {
    const file = join(tempDir(), 'out.jsonl')
    writeFileSync(file, '{"id":0}\n{"id":1}\n{"id":\n{"id":3}\n')
    await expect(openWriter(file, { resume: true, key: byId })).rejects.toMatchObject({
      code: 'ERR_CORRUPT_LINE',
      line: 3,
      message: expect.stringContaining('Line 3'),
    })
    await expect(readCompleted(file, byId)).rejects.toMatchObject({ code: 'ERR_CORRUPT_LINE', line: 3 })
    // The failed open released its lock: a later open is not blocked.
    writeFileSync(file, '{"id":0}\n')
    const writer = await openWriter(file, { resume: true, key: byId })
    await writer.close()
  })

  it('reports a key function that throws as ERR_CORRUPT_LINE', async () => {
    const file = join(tempDir(), 'out.jsonl')
    writeFileSync(file, '{"id":0}\nnull\n')
    const key = (record: unknown) => (record as { id: number }).id
    await expect(readCompleted(file, key)).rejects.toMatchObject({ code: 'ERR_CORRUPT_LINE', line: 2 })
  })

  it('reads text lines as keys', async () => {
    const file = join(tempDir(), 'out.txt')
    writeFileSync(file, 'a\nb\nc')
    const writer = await openWriter(file, { format: 'text', resume: true, key: (line) => line })
    expect([...writer.completed]).toEqual(['a', 'b'])
    await writer.close()
  })
})

describe('readCompleted', () => {
  it('streams a large file, multi-byte text across chunk boundaries, without changing it', async () => {
    const file = join(tempDir(), 'big.jsonl')
    const lines: string[] = []
    for (let i = 0; i < 30_000; i++)
      lines.push(JSON.stringify({ id: i, text: `héllo ✓ ${'é'.repeat(i % 13)}` }))
    const content = `${lines.join('\n')}\n{"id":30000,"tex`
    writeFileSync(file, content)
    const keys = await readCompleted(file, byId)
    expect(keys.size).toBe(30_000)
    expect(keys.has(29_999)).toBe(true)
    expect(keys.has(30_000)).toBe(false)
    expect(readFileSync(file, 'utf8')).toBe(content)
  })

  it('gives an empty set for a missing file and checks its key', async () => {
    expect((await readCompleted(join(tempDir(), 'none.jsonl'), byId)).size).toBe(0)
    await expect(readCompleted('x', 'id' as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: 'Expected `key` to be a function, got `"id"` (string)',
    })
    await expect(readCompleted('x', byId, { format: 'bytes' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
    })
  })
})
