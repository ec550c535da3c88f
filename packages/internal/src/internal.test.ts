import { describe, expect, it, vi } from 'vitest'
import { causeChain, chainMessage } from './cause'
import { Emitter } from './emitter'
import { Fifo } from './fifo'
import { LineSplitter } from './lines'
import { isThenable } from './thenable'

describe('causeChain', () => {
  it('walks causes outermost first with their codes', () => {
    const root = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const mid = new TypeError('fetch failed', { cause: root })
    const top = Object.assign(new Error('request failed', { cause: mid }), { code: 'ERR_X' })
    expect(causeChain(top).map((l) => [l.message, l.code])).toEqual([
      ['request failed', 'ERR_X'],
      ['fetch failed', undefined],
      ['connect ECONNREFUSED', 'ECONNREFUSED'],
    ])
    expect(chainMessage(top)).toBe('request failed: fetch failed: connect ECONNREFUSED')
  })

  it('stops at a cycle and at the depth, and names thrown non-errors', () => {
    const a = new Error('a')
    const b = new Error('b', { cause: a })
    ;(a as { cause?: unknown }).cause = b
    expect(causeChain(a).map((l) => l.message)).toEqual(['a', 'b'])
    expect(causeChain(null)).toEqual([{ error: null, message: 'null' }])
    expect(chainMessage(new Error('x', { cause: 'disk full' }))).toBe('x: disk full')
    let deep: unknown = new Error('0')
    for (let i = 1; i < 20; i++) deep = new Error(String(i), { cause: deep })
    expect(causeChain(deep, 3)).toHaveLength(3)
  })
})

const fail = (message: string): never => {
  throw new TypeError(message)
}

describe('Emitter', () => {
  it('refuses an event it does not emit, and a listener that is not a function', () => {
    const emitter = new Emitter<{ progress: number; idle: undefined }>({ progress: true, idle: true }, fail)
    expect(() => emitter.on('progres' as 'progress', () => {})).toThrow(
      "Expected `event` to be one of 'progress', 'idle', got `\"progres\"` (string)",
    )
    expect(() => emitter.on('progress', 'nope' as never)).toThrow('Expected `listener` to be a function')
  })

  it('calls listeners, unsubscribes, and builds a lazy payload only when someone listens', () => {
    const emitter = new Emitter<{ progress: number }>({ progress: true }, fail)
    const build = vi.fn(() => 7)
    emitter.emit('progress', build)
    expect(build).not.toHaveBeenCalled()
    const seen: number[] = []
    const off = emitter.on('progress', (n) => seen.push(n))
    expect(emitter.has('progress')).toBe(true)
    emitter.emit('progress', build)
    emitter.emit('progress', 8)
    off()
    emitter.emit('progress', 9)
    expect(seen).toEqual([7, 8])
    expect(emitter.has('progress')).toBe(false)
  })

  it('keeps going when a listener throws and hands the error over', () => {
    const errors: unknown[] = []
    const emitter = new Emitter<{ tick: number }>({ tick: true }, fail, (error, event) =>
      errors.push([event, error]),
    )
    const seen: number[] = []
    const boom = new Error('listener bug')
    emitter.on('tick', () => {
      throw boom
    })
    emitter.on('tick', (n) => seen.push(n))
    emitter.emit('tick', 1)
    expect(seen).toEqual([1])
    expect(errors).toEqual([['tick', boom]])
  })

  it('reports a throwing listener as a process warning by default, not a crash', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const emitter = new Emitter<{ tick: number }>({ tick: true }, fail)
      emitter.on('tick', () => {
        throw new Error('listener bug')
      })
      emitter.emit('tick', 1)
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings.map((w) => [w.name, (w.cause as Error).message])).toEqual([
        ['BoundkitListenerWarning', 'listener bug'],
      ])
    } finally {
      process.off('warning', onWarning)
    }
  })
})

describe('Fifo and isThenable', () => {
  it('keeps order across compaction', () => {
    const fifo = new Fifo<number>()
    for (let i = 0; i < 5000; i++) fifo.push(i)
    const out: number[] = []
    for (let i = 0; i < 3000; i++) out.push(fifo.shift()!)
    fifo.push(5000)
    expect(fifo.remove(4000)).toBe(true)
    while (fifo.size > 0) out.push(fifo.shift()!)
    expect(out).toHaveLength(5000)
    expect(out.slice(2998, 3002)).toEqual([2998, 2999, 3000, 3001])
    expect(out.includes(4000)).toBe(false)
    expect(out.at(-1)).toBe(5000)
  })

  it('tells promise-likes from values', () => {
    expect(isThenable(Promise.resolve())).toBe(true)
    expect(isThenable(Object.fromEntries([['then', () => {}]]))).toBe(true)
    expect(isThenable(Object.fromEntries([['then', 1]]))).toBe(false)
    expect(isThenable(null)).toBe(false)
  })
})

describe('LineSplitter', () => {
  it('splits at LF across chunk boundaries and keeps the bytes after the last newline apart', () => {
    const splitter = new LineSplitter()
    const lines: string[] = []
    for (const chunk of ['ab', 'c\nde', '\n\nf\r\n', 'gh']) {
      for (const bytes of splitter.lines(Buffer.from(chunk))) lines.push(bytes.toString())
    }
    expect(lines).toEqual(['abc', 'de', '', 'f\r'])
    expect(splitter.rest()?.toString()).toBe('gh')
    const ended = new LineSplitter()
    expect([...ended.lines(Buffer.from('x\n'))].map(String)).toEqual(['x'])
    expect(ended.rest()).toBeUndefined()
  })
})
