import { describe, expect, it } from 'vitest'
import { createPipeline, type PipelineError } from '../src/index'

const fetch = { run: (n: number) => n }
const process = { run: (n: number) => n }

function codeOf(action: () => unknown): string | undefined {
  try {
    action()
  } catch (error) {
    return (error as PipelineError).code
  }
  return undefined
}

describe('createPipeline options', () => {
  it.each([
    [{ process }, /`fetch`/],
    [{ fetch: { run: 'x' }, process }, /`fetch\.run` to be a function/],
    [{ fetch: { ...fetch, concurrency: 0 }, process }, /`fetch\.concurrency` to be an integer >= 1, got `0`/],
    [{ fetch: { ...fetch, timeout: 0 }, process }, /`fetch\.timeout` to be a number >= 1 \(or Infinity\)/],
    [{ fetch: { ...fetch, timeout: '5' }, process }, /`fetch\.timeout`/],
    [{ fetch, process, buffer: 1.5 }, /`buffer` to be an integer >= 1, got `1.5`/],
    [{ fetch }, /`process`/],
    [{ fetch, process: { task: 'x' } }, /`process`/],
    [{ fetch, process: { pool: {}, task: 'x' } }, /`process\.pool`/],
    [{ fetch, process: { worker: 1, task: 'x' } }, /`process\.worker`/],
    [{ fetch, process: { worker: 'w.mjs', task: 'x', threads: 1e9 } }, /^process: .*`threads`/],
    [{ fetch: { ...fetch, rate: { limit: 0, interval: 1000 } }, process }, /^fetch: .*`rate\.limit`/],
    [{ fetch, process, spill: { dir: '' } }, /`spill`/],
    [{ fetch, process, ordered: 'yes' }, /`ordered` to be a boolean/],
    [{ fetch, process, signal: 'stop' }, /`signal` to be an AbortSignal/],
  ])('rejects %j', (options, message) => {
    expect(() => createPipeline(options as never)).toThrow(message)
    expect(codeOf(() => createPipeline(options as never))).toBe('ERR_INVALID_OPTION')
  })

  it('accepts a fetch timeout of Infinity (none)', () => {
    expect(() =>
      createPipeline({ fetch: { ...fetch, timeout: Number.POSITIVE_INFINITY }, process }),
    ).not.toThrow()
  })
})

describe('per-call checks', () => {
  const pipeline = createPipeline({ fetch, process })

  it('rejects items that are not iterable', () => {
    expect(() => pipeline.run(42 as never)).toThrow(
      /`items` to be an array, an iterable or an async iterable/,
    )
  })

  it.each([
    [{ signal: 'stop' }, /`signal` to be an AbortSignal, got `"stop"`/],
    [{ signal: {} }, /`signal` to be an AbortSignal/],
    [5, /`options` to be an object/],
  ])('run(items, %j) throws ERR_INVALID_OPTION', (options, message) => {
    expect(() => pipeline.run([1], options as never)).toThrow(message)
    expect(codeOf(() => pipeline.run([1], options as never))).toBe('ERR_INVALID_OPTION')
  })

  it('on() checks the event name and the listener', () => {
    expect(codeOf(() => pipeline.on('progres' as never, () => {}))).toBe('ERR_INVALID_OPTION')
    expect(() => pipeline.on('progress', 'x' as never)).toThrow(/`listener` to be a function/)
  })
})
