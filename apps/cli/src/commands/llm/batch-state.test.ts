import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchCount } from './batch-input-file'
import { readState, statePath, uploadPath, writeState } from './batch-state'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-batch-state-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the batch state', () => {
  it('reads a state of one batch, as written before runs were split, as a run of one batch, all taken', async () => {
    const out = join(dir, 'old.jsonl')
    await writeFile(
      statePath(out),
      JSON.stringify({ inputFileId: 'file-1', endpoint: '/v1/chat/completions', batchId: 'batch_1' }),
    )
    expect(await readState(out)).toEqual({
      endpoint: '/v1/chat/completions',
      batches: [{ file: 0, inputFileId: 'file-1', requests: 0, batchId: 'batch_1' }],
      taken: true,
    })
    expect(uploadPath(out, 0)).toBe(`${out}.batch-input.jsonl`)
    expect(uploadPath(out, 2)).toBe(`${out}.batch-input-2.jsonl`)
  })

  it('keeps every batch of a run, and refuses a file that is not a state', async () => {
    const out = join(dir, 'split.jsonl')
    const state = {
      endpoint: '/v1/chat/completions',
      batches: [
        { file: 1, inputFileId: 'file-1', requests: 5, batchId: 'batch_1' },
        { file: 2, inputFileId: 'file-2', requests: 5 },
      ],
      throughLine: 10,
    }
    await writeState(out, state)
    expect(await readState(out)).toEqual(state)
    await writeFile(statePath(out), JSON.stringify({ endpoint: '/v1/chat/completions', batches: [{}] }))
    await expect(readState(out)).rejects.toThrow('is not a batch state file')
  })
})

describe('batchCount', () => {
  it('fills each batch up to its requests and bytes; a line larger than the bytes goes alone', () => {
    expect(batchCount([100, 100, 100, 100, 100], { requests: 2, bytes: 1000 })).toBe(3)
    expect(batchCount([400, 400, 400], { requests: 10, bytes: 800 })).toBe(2)
    expect(batchCount([2000, 10], { requests: 10, bytes: 1000 })).toBe(2)
    expect(batchCount([], { requests: 10, bytes: 1000 })).toBe(0)
  })
})
