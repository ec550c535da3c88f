import { readFileSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { linesOf, tempDir } from '../test/helpers'
import { openWriter, Writer } from './index'

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('formats', () => {
  it('writes one JSON value per line, encoded once', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file)
    await writer.write({ a: 1, text: 'two\nlines' })
    await writer.write([1, 'x'])
    await writer.close()
    expect(linesOf(file).map((line) => JSON.parse(line))).toEqual([{ a: 1, text: 'two\nlines' }, [1, 'x']])
  })

  it('rejects what JSON cannot encode with ERR_INVALID_RECORD and keeps going', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file)
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    await expect(writer.write({ n: 1n })).rejects.toMatchObject({ code: 'ERR_INVALID_RECORD' })
    await expect(writer.write(cycle)).rejects.toMatchObject({ code: 'ERR_INVALID_RECORD' })
    await expect(writer.write(undefined)).rejects.toMatchObject({ code: 'ERR_INVALID_RECORD' })
    await expect(writer.write(() => 1)).rejects.toMatchObject({ code: 'ERR_INVALID_RECORD' })
    await writer.write({ ok: true })
    await writer.close()
    expect(linesOf(file)).toEqual(['{"ok":true}'])
  })

  it("writes text lines and rejects embedded line breaks in 'text'", async () => {
    const file = join(tempDir(), 'out.txt')
    const writer = await openWriter<string>(file, { format: 'text' })
    await writer.write('first')
    await expect(writer.write('a\nb')).rejects.toMatchObject({ code: 'ERR_INVALID_RECORD' })
    await expect(writer.write('a\rb')).rejects.toMatchObject({ code: 'ERR_INVALID_RECORD' })
    await expect(writer.write(5 as unknown as string)).rejects.toMatchObject({ code: 'ERR_INVALID_RECORD' })
    await writer.write('')
    await writer.write('last')
    await writer.close()
    expect(readFileSync(file, 'utf8')).toBe('first\n\nlast\n')
  })

  it("writes raw bytes as given in 'bytes'", async () => {
    const file = join(tempDir(), 'out.bin')
    const writer = await openWriter<Uint8Array>(file, { format: 'bytes' })
    await Promise.all([writer.write(Buffer.from('ab')), writer.write(new Uint8Array([0, 255]))])
    await expect(writer.write('text' as unknown as Uint8Array)).rejects.toMatchObject({
      code: 'ERR_INVALID_RECORD',
    })
    await writer.close()
    expect([...readFileSync(file)]).toEqual([97, 98, 0, 255])
  })

  it('appends to an existing file and cuts a torn last line first', async () => {
    const file = join(tempDir(), 'out.jsonl')
    writeFileSync(file, '{"a":1}\n{"a":2')
    const writer = await openWriter(file)
    await writer.write({ a: 3 })
    await writer.close()
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"a":3}\n')
  })
})

describe('options', () => {
  it.each([
    [{ format: 'csv' }, "Expected `format` to be one of 'jsonl', 'text', 'bytes', got `\"csv\"` (string)"],
    [{ durability: 'sync' }, 'Expected `durability` to be one of'],
    [{ maxPending: 0 }, 'Expected `maxPending` to be an integer >= 1, got `0` (number)'],
    [{ startSeq: -1 }, 'Expected `startSeq` to be an integer >= 0, got `-1` (number)'],
    [{ ordered: 'yes' }, 'Expected `ordered` to be a boolean'],
    [{ key: 'id', resume: true }, 'Expected `key` to be a function'],
    [{ key: (r: unknown) => r }, 'Expected `resume` to be true when `key` is given'],
    [{ format: 'bytes', resume: true }, 'Expected `resume` to be false'],
  ])('rejects %o', async (options, message) => {
    const file = join(tempDir(), 'out.jsonl')
    await expect(openWriter(file, options as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: expect.stringContaining(message),
    })
  })

  it.each([
    [5, 'ERR_INVALID_OPTION', 'Expected `options` to be an object'],
    [{ signal: 'stop' }, 'ERR_INVALID_OPTION', 'Expected `signal` to be an AbortSignal'],
    [{ seq: 0 }, 'ERR_INVALID_SEQ', '`seq` is only accepted with `ordered: true`'],
  ])('checks every per-call option: rejects %o, never throws', async (options, code, message) => {
    const writer = await openWriter(join(tempDir(), 'out.jsonl'))
    let promise: Promise<void> | undefined
    expect(() => {
      promise = writer.write({}, options as never)
    }).not.toThrow()
    await expect(promise).rejects.toMatchObject({ code, message: expect.stringContaining(message) })
    await writer.close()
  })

  it('rejects a bad path', async () => {
    await expect(openWriter('' as string)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
  })
})

describe('group commit', () => {
  it('coalesces the writes of one tick into one batch, each promise resolving once it is written', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file)
    const first = Array.from({ length: 50 }, (_, i) => writer.write({ i }))
    expect(writer.stats().queued).toBe(50)
    await Promise.all(first)
    expect(linesOf(file)).toHaveLength(50)
    expect(writer.stats().queued).toBe(0)
    await writer.close()
  })

  it("resolves writes only after the batch is synced under 'fsync'", async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { durability: 'fsync' })
    await Promise.all(Array.from({ length: 100 }, (_, i) => writer.write({ i })))
    expect(linesOf(file)).toHaveLength(100)
    await writer.close()
  })

  it("gives producers woken by one synced batch a single next batch under 'fsync'", async () => {
    const probe = await open(join(tempDir(), 'probe'), 'w')
    const datasync = vi.spyOn(Object.getPrototypeOf(probe), 'datasync')
    await probe.close()
    try {
      const file = join(tempDir(), 'out.jsonl')
      const writer = await openWriter(file, { durability: 'fsync' })
      const producers = 50
      const rounds = 20
      await Promise.all(
        Array.from({ length: producers }, async (_, p) => {
          for (let r = 0; r < rounds; r++) {
            await new Promise((resolve) => setImmediate(resolve))
            await writer.write({ p, r })
          }
        }),
      )
      await writer.close()
      expect(linesOf(file)).toHaveLength(producers * rounds)
      // One sync per round: a batch of 1 followed by a batch of 49 would double it.
      expect(datasync.mock.calls.length).toBeLessThanOrEqual(rounds + 2)
    } finally {
      datasync.mockRestore()
    }
  })

  it("under 'fsync', a batch as big as the last one goes at once, without waiting for the next turn", async () => {
    const probe = await open(join(tempDir(), 'probe'), 'w')
    const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> }
    await probe.close()
    const original = proto.write
    let turnPassed = false
    const calls: boolean[] = []
    const write = vi.spyOn(proto, 'write').mockImplementation(function (this: unknown, ...args) {
      calls.push(turnPassed)
      return original.apply(this, args)
    })
    try {
      const file = join(tempDir(), 'out.jsonl')
      const writer = await openWriter(file, { durability: 'fsync' })
      await Promise.all([1, 2, 3].map((i) => writer.write({ i })))
      calls.length = 0
      // Queued before the writer's own wait for a turn: it runs first if the writer waits.
      setImmediate(() => {
        turnPassed = true
      })
      await Promise.all([4, 5, 6].map((i) => writer.write({ i })))
      expect(calls).toEqual([false])
      // Fewer writers than last time: the batch still goes, a turn later.
      await Promise.all([7, 8].map((i) => writer.write({ i })))
      await writer.close()
      expect(linesOf(file).map((line) => JSON.parse(line).i)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      expect(writer.stats()).toMatchObject({ batches: 3, syncs: 3 })
    } finally {
      write.mockRestore()
    }
  })

  it("resolves at once under 'none' and still writes everything by close()", async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { durability: 'none' })
    for (let i = 0; i < 1000; i++) await writer.write({ i })
    await writer.close()
    expect(linesOf(file)).toHaveLength(1000)
  })

  it('flush() waits for what was accepted', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { durability: 'none' })
    void writer.write({ i: 1 })
    await writer.flush()
    expect(linesOf(file)).toEqual(['{"i":1}'])
    await writer.flush()
    await writer.close()
  })
})

describe('ordered mode', () => {
  it('writes in seq order whatever the arrival order, from startSeq', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { ordered: true, startSeq: 10 })
    const done: number[] = []
    const promises = [13, 11, 12, 10].map((seq) => writer.write({ seq }, { seq }).then(() => done.push(seq)))
    await settle()
    await Promise.all(promises)
    expect(linesOf(file).map((line) => JSON.parse(line).seq)).toEqual([10, 11, 12, 13])
    expect(writer.nextSeq).toBe(14)
    await writer.close()
  })

  it('holds later records until the missing one arrives', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { ordered: true })
    let resolved = false
    const later = writer.write({ seq: 1 }, { seq: 1 }).then(() => {
      resolved = true
    })
    for (let i = 0; i < 5; i++) await settle()
    expect(resolved).toBe(false)
    expect(readFileSync(file, 'utf8')).toBe('')
    expect(writer.stats().queued).toBe(1)
    await writer.write({ seq: 0 }, { seq: 0 })
    await later
    expect(linesOf(file)).toEqual(['{"seq":0}', '{"seq":1}'])
    await writer.close()
  })

  it('rejects a missing, negative, duplicate or already-written seq with ERR_INVALID_SEQ', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { ordered: true, maxPending: 4 })
    await writer.write('a', { seq: 0 })
    await expect(writer.write('b')).rejects.toMatchObject({ code: 'ERR_INVALID_SEQ' })
    await expect(writer.write('b', { seq: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_SEQ' })
    await expect(writer.write('b', { seq: 1.5 })).rejects.toMatchObject({ code: 'ERR_INVALID_SEQ' })
    await expect(writer.write('b', { seq: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_SEQ' })
    const pending = writer.write('c', { seq: 2 })
    await expect(writer.write('c', { seq: 2 })).rejects.toMatchObject({ code: 'ERR_INVALID_SEQ' })
    const far = writer.write('far', { seq: 9 })
    await expect(writer.write('far', { seq: 9 })).rejects.toMatchObject({ code: 'ERR_INVALID_SEQ' })
    await writer.write('b', { seq: 1 })
    await pending
    const rest = [3, 4, 5, 6, 7, 8].map((seq) => writer.write(String(seq), { seq }))
    await Promise.all([...rest, far])
    expect(linesOf(file).map((line) => JSON.parse(line))).toEqual([
      'a',
      'b',
      'c',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      'far',
    ])
    await writer.close()
  })

  it('rejects seq in unordered mode', async () => {
    const writer = await openWriter(join(tempDir(), 'out.jsonl'))
    await expect(writer.write('x', { seq: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_SEQ' })
    await writer.close()
  })

  it('makes a write far ahead wait (backpressure) and never holds more than maxPending', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const maxPending = 8
    const writer = await openWriter(file, { ordered: true, maxPending })
    const promises: Promise<void>[] = []
    for (let seq = 100; seq >= 1; seq--) promises.push(writer.write({ seq }, { seq }))
    await settle()
    expect(writer.stats().queued).toBeLessThanOrEqual(maxPending)
    expect(writer.stats().blocked).toBe(100 - (maxPending - 1))
    let maxSeen = 0
    const timer = setInterval(() => {
      maxSeen = Math.max(maxSeen, writer.stats().queued)
    }, 0)
    promises.push(writer.write({ seq: 0 }, { seq: 0 }))
    await Promise.all(promises)
    clearInterval(timer)
    expect(maxSeen).toBeLessThanOrEqual(maxPending)
    expect(linesOf(file).map((line) => JSON.parse(line).seq)).toEqual(
      Array.from({ length: 101 }, (_, i) => i),
    )
    await writer.close()
  })

  it('aborts a waiting write with ERR_ABORTED; the seq can be written again', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { ordered: true, maxPending: 2 })
    const controller = new AbortController()
    const waiting = writer.write({ seq: 5 }, { seq: 5, signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    await expect(writer.write({}, { seq: 5, signal: controller.signal })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    })
    await Promise.all([0, 1, 2, 3, 4, 5].map((seq) => writer.write({ seq }, { seq })))
    expect(linesOf(file)).toHaveLength(6)
    await writer.close()
  })

  it('rejects records stuck behind a gap with ERR_CLOSED on close, writing the rest', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { ordered: true, maxPending: 4 })
    const written = writer.write({ seq: 0 }, { seq: 0 })
    const stuck = writer.write({ seq: 2 }, { seq: 2 })
    const waiting = writer.write({ seq: 9 }, { seq: 9 })
    const checks = [
      expect(stuck).rejects.toMatchObject({ code: 'ERR_CLOSED' }),
      expect(waiting).rejects.toMatchObject({ code: 'ERR_CLOSED' }),
    ]
    await writer.close()
    await written
    await Promise.all(checks)
    expect(linesOf(file)).toEqual(['{"seq":0}'])
  })

  it("makes close() reject when records accepted under 'none' were stuck behind a gap", async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { ordered: true, durability: 'none' })
    await writer.write({ seq: 0 }, { seq: 0 })
    await writer.write({ seq: 2 }, { seq: 2 })
    await expect(writer.close()).rejects.toMatchObject({
      code: 'ERR_CLOSED',
      message: expect.stringContaining('seq 1 never arrived'),
    })
    expect(linesOf(file)).toEqual(['{"seq":0}'])
  })
})

describe('unordered backpressure', () => {
  it('queues writes beyond maxPending in arrival order', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { maxPending: 3 })
    const promises = Array.from({ length: 20 }, (_, i) => writer.write(i))
    expect(writer.stats().queued).toBe(3)
    expect(writer.stats().blocked).toBe(17)
    const controller = new AbortController()
    const aborted = writer.write('no', { signal: controller.signal })
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    await Promise.all(promises)
    expect(linesOf(file).map(Number)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    await writer.close()
  })
})

describe('stats', () => {
  it('counts records, bytes, batches and syncs in a fresh object', async () => {
    const writer = await openWriter(join(tempDir(), 'out.jsonl'), { durability: 'fsync', ordered: true })
    expect(writer).toBeInstanceOf(Writer)
    const first = writer.stats()
    expect(first).toEqual({
      done: 0,
      bytesWritten: 0,
      batches: 0,
      syncs: 0,
      queued: 0,
      buffered: 0,
      blocked: 0,
      nextSeq: 0,
    })
    const later = writer.write('b', { seq: 1 })
    expect(writer.stats()).toMatchObject({ queued: 1, buffered: 1, nextSeq: 0 })
    await Promise.all([writer.write('a', { seq: 0 }), later])
    await writer.write('c', { seq: 2 })
    await writer.close()
    expect(writer.stats()).toEqual({
      done: 3,
      bytesWritten: 12,
      batches: 2,
      syncs: 2,
      queued: 0,
      buffered: 0,
      blocked: 0,
      nextSeq: 3,
    })
    expect(first.done).toBe(0)
  })

  it('refuses an event the writer does not emit, and a listener that is not a function', async () => {
    const writer = await openWriter(join(tempDir(), 'out.jsonl'))
    try {
      expect(() => writer.on('progres' as 'progress', () => {})).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_OPTION',
          message: expect.stringContaining("one of 'progress'"),
        }),
      )
      expect(() => writer.on('progress', 1 as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      )
    } finally {
      await writer.close()
    }
  })

  it("reports each written batch's stats through on('progress'); a throwing listener breaks nothing", async () => {
    const writer = await openWriter(join(tempDir(), 'out.jsonl'))
    const seen: number[] = []
    const off = writer.on('progress', (stats) => seen.push(stats.done))
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    let warnings = 0
    writer.on('progress', () => {
      throw new Error('listener bug')
    })
    try {
      await Promise.all([writer.write(1), writer.write(2)])
      await writer.write(3)
      off()
      await writer.write(4)
      await writer.close()
      warnings = warning.mock.calls.length
    } finally {
      warning.mockRestore()
    }
    expect(seen).toEqual([2, 3])
    expect(warnings).toBe(3)
  })
})

describe('close', () => {
  it('flushes, then rejects later writes with ERR_CLOSED; close is idempotent', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file)
    const write = writer.write({ a: 1 })
    const closing = writer.close()
    expect(writer.close()).toBe(closing)
    expect(writer.closed).toBe(true)
    await closing
    await write
    await expect(writer.write({ a: 2 })).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    expect(linesOf(file)).toEqual(['{"a":1}'])
  })

  it('closes with await using (Symbol.asyncDispose)', async () => {
    const file = join(tempDir(), 'out.jsonl')
    let ref: Awaited<ReturnType<typeof openWriter>> | undefined
    {
      await using writer = await openWriter(file)
      ref = writer
      void writer.write({ a: 1 })
    }
    expect(ref?.closed).toBe(true)
    expect(linesOf(file)).toEqual(['{"a":1}'])
  })
})
