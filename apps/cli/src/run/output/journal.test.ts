import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { batchKeys } from '../input/scan'
import { foldJournal, Journal } from './journal'
import { openOutput } from './output-file'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-journal-'))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const line = (key: string, extra: Record<string, unknown> = {}) => ({ key, status: 200, ...extra })
const text = (value: unknown) => `${JSON.stringify(value)}\n`

describe('foldJournal', () => {
  it('appends the lines the output lacks, never one it holds, ignores a torn tail, and removes the journal', async () => {
    const out = join(dir, 'out.jsonl')
    await writeFile(out, text(line('a')) + text(line('b', { error: { code: 'ERR_HTTP_STATUS' } })))
    // 'a' reached the output too; 'b' was sent again and answered; 'c' never reached the output.
    const journal = text(line('a')) + text(line('b')) + text(line('c'))
    await writeFile(`${out}.journal`, `${journal}{"key":"d","sta`)
    const writer = await openOutput({ out })
    const appended = await foldJournal(out, batchKeys('id'), writer)
    await writer.close()
    expect(appended).toBe(2)
    const written = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(written.map((l) => [l.key, l.error === undefined])).toEqual([
      ['a', true],
      ['b', false],
      ['b', true],
      ['c', true],
    ])
    await expect(stat(`${out}.journal`)).rejects.toThrow()
  })

  it('does nothing without a journal', async () => {
    const out = join(dir, 'out.jsonl')
    const writer = await openOutput({ out })
    expect(await foldJournal(out, batchKeys(undefined), writer)).toBe(0)
    await writer.close()
  })
})

describe('Journal', () => {
  it('is opened by its first line, kept when asked, removed otherwise', async () => {
    const out = join(dir, 'out.jsonl')
    const kept = new Journal(out)
    kept.add(line('x'))
    await kept.close(true)
    expect(await readFile(`${out}.journal`, 'utf8')).toBe(text(line('x')))
    const removed = new Journal(out)
    removed.add(line('y'))
    await removed.close(false)
    await expect(stat(`${out}.journal`)).rejects.toThrow()
    await new Journal(out).close(false)
  })

  it('starts afresh once every line it held reached the output: it holds what waits, not the run', async () => {
    const out = join(dir, 'out.jsonl')
    const journal = new Journal(out)
    for (let i = 0; i < 300; i++) journal.add(line(`k${i}`))
    journal.clear()
    journal.add(line('after'))
    await journal.close(true)
    expect(await readFile(`${out}.journal`, 'utf8')).toBe(text(line('after')))
    // Fewer lines than a new file is worth: clear() keeps them (a fold passes over them).
    const small = new Journal(join(dir, 'small.jsonl'))
    small.add(line('a'))
    small.clear()
    small.add(line('b'))
    await small.close(true)
    expect(await readFile(join(dir, 'small.jsonl.journal'), 'utf8')).toBe(text(line('a')) + text(line('b')))
  })
})
