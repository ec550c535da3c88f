import { existsSync, rmSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { linesOf, tempDir } from '../test/helpers'
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

  it('cuts the file back to the acknowledged records when the disk fills, naming the seq range not written', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { ordered: true, maxPending: 64 })
    // The disk has room for `room` more bytes: a write past it is cut short, the next one fails with
    // ENOSPC, as write(2) does on a full file system.
    const probe = await open(join(tempDir(), 'probe'), 'w')
    const proto = Object.getPrototypeOf(probe) as FileHandle
    await probe.close()
    const realWrite = proto.write as (this: FileHandle, ...args: unknown[]) => Promise<unknown>
    let room = 60_000
    const spy = vi.spyOn(proto, 'write').mockImplementation(function (this: FileHandle, ...args: unknown[]) {
      const [buffer, offset, length, position] = args as [Buffer, number, number, null]
      if (room === 0) {
        const error = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
        return Promise.reject(error)
      }
      const n = Math.min(length, room)
      room -= n
      return realWrite.call(this, buffer, offset, n, position)
    } as never)
    const acked: number[] = []
    try {
      let next = 0
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next < 3000) {
            const seq = next++
            await new Promise((resolve) => setImmediate(resolve))
            const ok = await writer.write({ seq, text: 'x'.repeat(seq % 50) }, { seq }).then(
              () => true,
              () => false,
            )
            if (ok) acked.push(seq)
          }
        }),
      )
    } finally {
      spy.mockRestore()
    }
    const error = await writer.close().then(
      () => undefined,
      (e: unknown) => e,
    )
    acked.sort((a, b) => a - b)
    expect(acked.length).toBeGreaterThan(0)
    expect(acked).toEqual(Array.from({ length: acked.length }, (_, i) => i))
    expect(error).toMatchObject({
      code: 'ERR_IO',
      cause: expect.objectContaining({ code: 'ENOSPC' }),
      message: expect.stringContaining(`seq ${acked.length}`),
    })
    // Exactly the acknowledged records, whole lines: nothing torn, nothing unacknowledged.
    expect(linesOf(file).map((text) => (JSON.parse(text) as { seq: number }).seq)).toEqual(acked)
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
