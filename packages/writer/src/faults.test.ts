import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../test/helpers'
import { type Durability, openWriter } from './index'

const hasDevFull = existsSync('/dev/full')

describe('disk errors', () => {
  it.skipIf(!hasDevFull).each<Durability>(['flush', 'fsync'])(
    'rejects the affected write and every later one with ERR_IO on a full disk (/dev/full, %s)',
    async (durability) => {
      const writer = await openWriter('/dev/full', { lock: false, durability })
      const batch = Array.from({ length: 10 }, (_, i) => writer.write({ i }))
      const results = await Promise.allSettled(batch)
      for (const result of results) {
        expect(result.status).toBe('rejected')
        expect((result as PromiseRejectedResult).reason).toMatchObject({
          code: 'ERR_IO',
          cause: expect.objectContaining({ code: 'ENOSPC' }),
        })
      }
      await expect(writer.write({ later: true })).rejects.toMatchObject({ code: 'ERR_IO' })
      await expect(writer.flush()).rejects.toMatchObject({ code: 'ERR_IO' })
      await expect(writer.close()).rejects.toMatchObject({ code: 'ERR_IO' })
      await expect(writer.write({ after: 'close' })).rejects.toMatchObject({ code: 'ERR_IO' })
    },
  )

  it.skipIf(!hasDevFull)('fails ordered writes held in the reorder buffer and the waiters too', async () => {
    const writer = await openWriter('/dev/full', { lock: false, ordered: true, maxPending: 4 })
    const promises = [3, 2, 9, 0].map((seq) => writer.write({ seq }, { seq }))
    const results = await Promise.allSettled(promises)
    expect(results.map((r) => (r as PromiseRejectedResult).reason?.code)).toEqual([
      'ERR_IO',
      'ERR_IO',
      'ERR_IO',
      'ERR_IO',
    ])
    await expect(writer.close()).rejects.toMatchObject({ code: 'ERR_IO' })
  })

  it.skipIf(!hasDevFull)("reports the error on close under durability 'none'", async () => {
    const writer = await openWriter('/dev/full', { lock: false, durability: 'none' })
    await writer.write({ a: 1 })
    await expect(writer.close()).rejects.toMatchObject({ code: 'ERR_IO' })
  })

  it('rejects opening a file in a directory that was removed', async () => {
    const dir = tempDir()
    rmSync(dir, { recursive: true })
    await expect(openWriter(join(dir, 'out.jsonl'))).rejects.toMatchObject({ code: 'ERR_IO' })
    await expect(openWriter(join(dir, 'out.jsonl'), { lock: false })).rejects.toMatchObject({
      code: 'ERR_IO',
      cause: expect.objectContaining({ code: 'ENOENT' }),
    })
  })

  it('reports on close that the directory was removed while writing (the data went nowhere)', async () => {
    const dir = tempDir()
    const writer = await openWriter(join(dir, 'out.jsonl'))
    await writer.write({ a: 1 })
    rmSync(dir, { recursive: true })
    // The open descriptor still accepts writes on POSIX systems; close() tells the caller.
    await writer.write({ a: 2 }).catch(() => undefined)
    await expect(writer.close()).rejects.toMatchObject({ code: 'ERR_IO' })
  })
})
