import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type BadLine, readJsonl } from './jsonl-input'

async function file(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'boundkit-jsonl-')), 'in.jsonl')
  await writeFile(path, text)
  return path
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of source) items.push(item)
  return items
}

describe('readJsonl', () => {
  it('yields records with line numbers and indices, ignoring blank lines and CRLF', async () => {
    const path = await file('{"a":1}\r\n\n  \n[2]\n"three"')
    expect(await collect(readJsonl(path))).toEqual([
      { line: 1, index: 0, text: '{"a":1}', record: { a: 1 } },
      { line: 4, index: 1, text: '[2]', record: [2] },
      { line: 5, index: 2, text: '"three"', record: 'three' },
    ])
  })

  it('fails on a malformed line with its file and line number', async () => {
    const path = await file('{"a":1}\n{"a":\n')
    await expect(collect(readJsonl(path))).rejects.toThrow(`${path}:2: malformed JSON`)
  })

  it('skips malformed or refused lines with skipBad and reports them', async () => {
    const path = await file('{"a":1}\nnope\n{"b":2}\n{"a":3}\n')
    const bad: BadLine[] = []
    const records = await collect(
      readJsonl(path, {
        skipBad: true,
        onBad: (b) => bad.push(b),
        check: (record) => ('a' in (record as object) ? undefined : 'no a'),
      }),
    )
    expect(records.map((r) => [r.line, r.index])).toEqual([
      [1, 0],
      [4, 1],
    ])
    expect(bad.map((b) => b.line)).toEqual([2, 3])
    expect(bad[1]?.reason).toBe('no a')
  })

  it("skips a UTF-8 byte order mark, keeps each line's own text, and refuses bytes that are not UTF-8", async () => {
    const path = await file('')
    await writeFile(
      path,
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('{"n": 1.0}\r\n{"n":12345678901234567890}\n'),
        Buffer.from([0x22, 0xff, 0x22, 0x0a]),
      ]),
    )
    const bad: BadLine[] = []
    const records = await collect(readJsonl(path, { skipBad: true, onBad: (b) => bad.push(b) }))
    expect(records.map((r) => [r.line, r.text])).toEqual([
      [1, '{"n": 1.0}'],
      [2, '{"n":12345678901234567890}'],
    ])
    expect(bad).toEqual([{ line: 3, reason: 'not valid UTF-8' }])
  })

  it('reads lines longer than a read chunk', async () => {
    const long = JSON.stringify({ text: 'x'.repeat(200_000) })
    const path = await file(`${long}\n${long}`)
    expect((await collect(readJsonl(path))).map((r) => r.text)).toEqual([long, long])
  })

  it('fails with a usage error on a missing file', async () => {
    await expect(collect(readJsonl('/no/such/file.jsonl'))).rejects.toMatchObject({
      name: 'UsageError',
      exitCode: 2,
    })
  })
})
